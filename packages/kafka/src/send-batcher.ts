import type { Message, Producer, TopicMessages } from 'kafkajs';

interface Waiting {
  readonly topic: string;
  readonly messages: Message[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent sends into one `sendBatch` request: sends made in the same turn of the event
 * loop, and those made while a request is in flight, go together (up to `maxMessages` and about
 * `maxBytes` per request, so that no request exceeds the broker's message.max.bytes). Throughput
 * then does not depend on callers batching themselves, and a lone send waits for no timer, only
 * for the end of the current turn (setImmediate). Order per topic is kept.
 */
export class SendBatcher {
  #producer: Producer;
  readonly #replaceProducer: (() => Promise<Producer>) | undefined;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #compression: number | undefined;
  readonly #waiting: Waiting[] = [];
  #sending = false;
  #scheduled = false;

  /**
   * `replaceProducer`: a new, connected producer, for when kafkajs' idempotent producer lost track
   * of its sequence numbers (OUT_OF_ORDER_SEQUENCE_NUMBER, tulios/kafkajs#598 and #1005). Its
   * common cause, a retry that put messages on other partitions, is gone (stable-partitioner.ts);
   * this stays for any other. A new producer id starts every sequence afresh.
   */
  constructor(
    producer: Producer,
    options: { maxMessages: number; maxBytes: number; compression?: number; replaceProducer?: () => Promise<Producer> },
  ) {
    this.#producer = producer;
    this.#replaceProducer = options.replaceProducer;
    this.#maxMessages = options.maxMessages;
    this.#maxBytes = options.maxBytes;
    this.#compression = options.compression;
  }

  send(topic: string, messages: Message[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ topic, messages, resolve, reject });
      if (this.#scheduled || this.#sending) return;
      this.#scheduled = true;
      // Without this, the first of 1000 sends made at once would go alone and the other 999 after it.
      setImmediate(() => {
        this.#scheduled = false;
        void this.#flush();
      });
    });
  }

  async #flush(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      while (this.#waiting.length > 0) {
        const batch: Waiting[] = [];
        let count = 0;
        let bytes = 0;
        while (this.#waiting.length > 0) {
          const next = this.#waiting[0] as Waiting;
          const size = next.messages.reduce((sum, m) => sum + sizeOf(m), 0);
          const full = count + next.messages.length > this.#maxMessages || bytes + size > this.#maxBytes;
          if (batch.length > 0 && full) break;
          batch.push(this.#waiting.shift() as Waiting);
          count += next.messages.length;
          bytes += size;
        }
        const byTopic = new Map<string, Message[]>();
        for (const { topic, messages } of batch) {
          const list = byTopic.get(topic) ?? [];
          list.push(...messages);
          byTopic.set(topic, list);
        }
        const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
        const request = { topicMessages, acks: -1, ...(this.#compression ? { compression: this.#compression } : {}) };
        try {
          try {
            await this.#producer.sendBatch(request);
          } catch (error) {
            // The broker refused the request as out of sequence: nothing of it was written for that
            // partition. Once, with a new producer; partitions of the request that were written
            // before may then be written twice (at-least-once).
            if ((error as { type?: string }).type !== 'OUT_OF_ORDER_SEQUENCE_NUMBER' || !this.#replaceProducer)
              throw error;
            this.#producer = await this.#replaceProducer();
            await this.#producer.sendBatch(request);
          }
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}

function sizeOf(message: Message): number {
  const value = message.value;
  return (value === null || value === undefined ? 0 : Buffer.byteLength(value)) + 100; // + key, headers, framing
}
