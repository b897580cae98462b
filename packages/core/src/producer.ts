import { randomUUID } from 'node:crypto';
import { type Codec, runCodec } from './codec.js';
import { ClosedError, ConfigError } from './errors.js';
import { Headers, RESERVED_HEADER_PREFIX } from './headers.js';
import type { SendOptions, SendResult } from './message.js';
import type { Observer } from './observer.js';
import { type StandardSchemaV1, validateBody } from './schema.js';
import { Semaphore } from './semaphore.js';
import type { OutgoingMessage, Transport } from './transport.js';

export interface ProducerOptions {
  /** Most publish calls (a `send` or a `sendBatch`) awaiting the broker at once. Default 1024. */
  maxInFlight?: number;
}

export interface Producer<T> {
  /** Resolves once the broker has the message as durably as the transport allows. */
  send(body: T, options?: SendOptions): Promise<SendResult>;
  /** Sends several messages in one publish call; resolves once all are stored, in order. */
  sendBatch(messages: readonly ({ body: T } & SendOptions)[]): Promise<SendResult[]>;
  /** Stops new sends and waits for the ones in flight. Safe to call more than once. */
  close(): Promise<void>;
}

export interface ProducerContext<T> {
  readonly transport: Transport;
  readonly queue: string;
  readonly codec: Codec<T>;
  readonly schema: StandardSchemaV1 | undefined;
  readonly observer: Observer | undefined;
}

export class QueueProducer<T> implements Producer<T> {
  readonly #context: ProducerContext<T>;
  readonly #inFlight: Semaphore;
  readonly #pending = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(context: ProducerContext<T>, options: ProducerOptions = {}) {
    const maxInFlight = options.maxInFlight ?? 1024;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new ConfigError('producer option "maxInFlight" must be a whole number of at least 1.', {
        field: 'maxInFlight',
      });
    }
    this.#context = context;
    this.#inFlight = new Semaphore(maxInFlight);
  }

  async send(body: T, options: SendOptions = {}): Promise<SendResult> {
    const [result] = await this.#track(this.#publish([{ ...options, body }]));
    return result as SendResult;
  }

  sendBatch(messages: readonly ({ body: T } & SendOptions)[]): Promise<SendResult[]> {
    return this.#track(this.#publish(messages));
  }

  close(): Promise<void> {
    this.#closed ??= Promise.allSettled([...this.#pending]).then(() => undefined);
    return this.#closed;
  }

  /** Counts a send as in flight from its first line, so that close() waits for all of it. */
  #track<R>(sending: Promise<R>): Promise<R> {
    this.#pending.add(sending);
    void sending.then(
      () => this.#pending.delete(sending),
      () => this.#pending.delete(sending),
    );
    return sending;
  }

  async #publish(messages: readonly ({ body: T } & SendOptions)[]): Promise<SendResult[]> {
    if (this.#closed) {
      throw new ClosedError(`producer of queue "${this.#context.queue}" is closed; create a new one to send.`);
    }
    const outgoing: OutgoingMessage[] = [];
    for (const message of messages) outgoing.push(await this.#prepare(message));
    if (!this.#inFlight.tryAcquire()) await this.#inFlight.acquire();
    const started = this.#context.observer?.onSent ? performance.now() : 0;
    try {
      await this.#context.transport.publish(this.#context.queue, outgoing);
    } finally {
      this.#inFlight.release();
    }
    const onSent = this.#context.observer?.onSent;
    if (onSent) {
      const durationMs = performance.now() - started;
      for (const m of outgoing) onSent({ queue: this.#context.queue, id: m.id, durationMs });
    }
    return outgoing.map((m) => ({ id: m.id }));
  }

  async #prepare(message: { body: T } & SendOptions): Promise<OutgoingMessage> {
    const { schema, codec, queue } = this.#context;
    if (schema) await validateBody(schema, queue, message.body);
    const body = runCodec('ENCODE_FAILED', () => codec.encode(message.body));
    const delayMs = message.delayMs ?? 0;
    if (!(delayMs >= 0 && Number.isFinite(delayMs))) {
      throw new ConfigError('send option "delayMs" must be zero or more milliseconds.', { field: 'delayMs' });
    }
    const headers: Record<string, string> = { [Headers.contentType]: codec.contentType };
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)) {
        throw new ConfigError(
          `send option "headers.${name}" uses the reserved prefix ${RESERVED_HEADER_PREFIX}. Fix: rename the header.`,
          { field: `headers.${name}` },
        );
      }
      if (typeof value !== 'string') {
        throw new ConfigError(`send option "headers.${name}" must be a string.`, { field: `headers.${name}` });
      }
      headers[name] = value;
    }
    return {
      id: message.id ?? randomUUID(),
      body,
      key: message.key,
      headers,
      timestamp: Date.now(),
      delayMs,
    };
  }
}
