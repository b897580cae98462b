import { type Delivery, HeaderNames, type SubscribeOptions, type Subscription } from '@anymq/core/transport';
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { fromNatsHeaders } from './nats-message.js';
import { returnsSubjectOf, subjectOf } from './names.js';

/** What a subscriber needs from its transport: copies and dead letters are publishes. */
export interface SubscriberHost {
  /** Publishes a copy of `message` on `queue` with `extra` headers (same body and id, a new NATS message). */
  publishCopy(queue: string, message: JsMsg, copyId: string, extra: Record<string, string>): Promise<void>;
  /** Publishes a copy of `message` on this group's hand-back subject, which only this group reads. */
  handBack(message: JsMsg, copyId: string, extra: Record<string, string>): Promise<void>;
  reportError(error: unknown): void;
}

/**
 * One member of a group: pulls from the group's durable consumer at most as many messages as it
 * has free slots (`prefetch` minus unsettled), so nothing waits in a client buffer where the
 * server's ack timer would run on it. Running messages get a progress ack every third of the ack
 * wait, so a long handler keeps its message; a crashed member's messages come back after it.
 */
export class GroupSubscriber implements Subscription {
  readonly #consumer: Consumer;
  readonly #subjects: { readonly main: string; readonly returns: string };
  readonly #options: SubscribeOptions;
  readonly #onDelivery: (delivery: Delivery) => void;
  readonly #host: SubscriberHost;
  readonly #unsettled = new Set<JsMsg>();
  readonly #working: NodeJS.Timeout;
  #fetching: ConsumerMessages | undefined;
  #slotFreed: (() => void) | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;

  constructor(
    consumer: Consumer,
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
    host: SubscriberHost,
    ackWaitMs: number,
  ) {
    this.#consumer = consumer;
    this.#subjects = { main: subjectOf(queue), returns: returnsSubjectOf(queue, options.group) };
    this.#options = options;
    this.#onDelivery = onDelivery;
    this.#host = host;
    this.#working = setInterval(
      () => {
        for (const message of this.#unsettled) message.working();
      },
      Math.max(100, Math.floor(ackWaitMs / 3)),
    );
    this.#working.unref();
  }

  start(): void {
    this.#loop = this.#pull();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#fetching?.stop();
    this.#slotFreed?.();
    await this.#loop;
    // Deliveries core still settles after close keep their progress acks until then (see #deliver).
    if (this.#unsettled.size === 0) clearInterval(this.#working);
  }

  async #pull(): Promise<void> {
    for (let failures = 0; !this.#closed;) {
      const free = this.#options.prefetch - this.#unsettled.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      try {
        this.#fetching = await this.#consumer.fetch({ max_messages: free, expires: 2_000 });
        // Messages that arrive after close() are handed back, not dropped on the wire.
        for await (const message of this.#fetching) {
          if (this.#closed) void this.#release(message).catch(() => undefined);
          else this.#deliver(message);
        }
        failures = 0;
      } catch (error) {
        if (this.#closed) break;
        this.#host.reportError(error);
        // The connection reconnects by itself; pull again after a bounded wait.
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures++)));
      }
    }
  }

  #deliver(message: JsMsg): void {
    // Another group's hand-back (the consumer reads every subject of the stream): not for this group.
    if (message.subject !== this.#subjects.main && message.subject !== this.#subjects.returns) {
      void message.ackAck().catch(() => undefined);
      return;
    }
    this.#unsettled.add(message);
    const fields = fromNatsHeaders(message.headers);
    const { streamSequence, deliveryCount, stream } = message.info;
    let settled = false;
    const settle = async (outcome: () => Promise<void>): Promise<void> => {
      if (settled) return;
      settled = true;
      try {
        await outcome();
      } finally {
        this.#unsettled.delete(message);
        if (this.#closed && this.#unsettled.size === 0) clearInterval(this.#working);
        this.#slotFreed?.();
      }
    };
    const id = fields.id ?? `${stream}/${streamSequence}`;
    // Every delivery of this NATS message counts: the server's own count, naks and crashes too.
    const attempt = fields.firstAttempt - 1 + deliveryCount;
    this.#onDelivery({
      id,
      body: message.data,
      key: fields.key,
      headers: fields.headers,
      timestamp: fields.timestamp ?? Number(message.timestampNanos / 1_000_000n),
      attempt,
      ...(fields.ignored ? { ignored: fields.ignored } : {}),
      ack: () => settle(() => acked(message)),
      retry: (delayMs) => settle(async () => message.nak(delayMs)),
      deadLetter: (deadLetterQueue, headers) =>
        settle(async () => {
          await this.#host.publishCopy(deadLetterQueue, message, `dead-letter:${stream}:${streamSequence}`, headers);
          await acked(message);
        }),
      release: () => settle(() => this.#release(message, attempt)),
    });
  }

  /**
   * Hands a message back without counting an attempt: a NATS nak would count one, so a copy with
   * the same attempt goes to this group's hand-back subject (the back of its queue) and the original is acked.
   */
  async #release(message: JsMsg, attempt = attemptOf(message)): Promise<void> {
    const { stream, streamSequence, deliveryCount } = message.info;
    await this.#host.handBack(message, `release:${stream}:${streamSequence}:${deliveryCount}`, {
      [HeaderNames.attempt]: String(attempt),
    });
    await acked(message);
  }
}

/** Acks and waits for the server to confirm; an unconfirmed ack is an error (the message comes back). */
async function acked(message: JsMsg): Promise<void> {
  if (!(await message.ackAck()))
    throw new Error(`NATS did not confirm the ack of ${message.info.stream}/${message.info.streamSequence}`);
}

/** The attempt of a message that was never handed to core (it arrived after close). */
function attemptOf(message: JsMsg): number {
  return fromNatsHeaders(message.headers).firstAttempt - 1 + message.info.deliveryCount;
}
