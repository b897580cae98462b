import { randomUUID } from 'node:crypto';
import type { CloudEvents } from './cloud-events.js';
import { type Codec, runCodec } from './codec.js';
import { ClosedError, ConfigError, PublishError } from './errors.js';
import { HeaderNames, RESERVED_HEADER_PREFIX } from './headers.js';
import type { SendOptions, SendResult } from './message.js';
import type { OutgoingView, SendChain } from './middleware.js';
import type { Observer } from './observer.js';
import { type StandardSchemaV1, validateBody } from './schema.js';
import { Semaphore } from './semaphore.js';
import type { OutgoingMessage, Transport } from './transport.js';

/** How many publish calls a producer keeps in flight. */
export interface ProducerOptions {
  /** Most publish calls (a `send` or a `sendBatch`) awaiting the broker at once. Default 1024. */
  maxInFlight?: number;
}

/** Sends messages to one queue. */
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
  readonly cloudEvents: CloudEvents | undefined;
  readonly observer: Observer | undefined;
  readonly middleware: SendChain | undefined;
}

export class QueueProducer<T> implements Producer<T> {
  readonly #context: ProducerContext<T>;
  readonly #inFlight: Semaphore;
  /** The headers of a message sent without user headers: one frozen object shared by all of them. */
  readonly #plainHeaders: Readonly<Record<string, string>>;
  /** The transport's largest body, if it declares one (capabilities do not change). */
  readonly #maxMessageBytes: number | undefined;
  /** Sends started and not finished; close() waits until it is zero. */
  #pending = 0;
  #idle: (() => void) | undefined;
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
    this.#plainHeaders = Object.freeze({ [HeaderNames.contentType]: context.codec.contentType });
    this.#maxMessageBytes = context.transport.capabilities.maxMessageBytes;
  }

  send(body: T, options?: SendOptions): Promise<SendResult> {
    return this.#sendOne(body, options, undefined);
  }

  async sendBatch(messages: readonly ({ body: T } & SendOptions)[]): Promise<SendResult[]> {
    this.#assertOpen();
    this.#pending++;
    try {
      const { schema, queue } = this.#context;
      if (schema) for (const message of messages) await validateBody(schema, queue, message.body);
      const outgoing = messages.map((message) => this.#prepare(message.body, message));
      await this.#publish(outgoing);
      return outgoing.map((m) => ({ id: m.id }));
    } finally {
      this.#finished();
    }
  }

  /** The queue it sends to. */
  get queue(): string {
    return this.#context.queue;
  }

  /** `send` with anymq's own headers added (a request's reply address), which user headers may not set. */
  sendWithBookkeeping(
    body: T,
    options: SendOptions,
    bookkeeping: Readonly<Record<string, string>>,
  ): Promise<SendResult> {
    return this.#sendOne(body, options, bookkeeping);
  }

  close(): Promise<void> {
    this.#closed ??= this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => (this.#idle = resolve));
    return this.#closed;
  }

  // The hot path: one async frame per send. Schema validation is the only step that may be async,
  // so it alone gets an await; encoding and header checks stay synchronous.
  async #sendOne(
    body: T,
    options: SendOptions | undefined,
    bookkeeping: Readonly<Record<string, string>> | undefined,
  ): Promise<SendResult> {
    this.#assertOpen();
    this.#pending++;
    try {
      const { schema, queue } = this.#context;
      if (schema) await validateBody(schema, queue, body);
      const outgoing = this.#prepare(body, options, bookkeeping);
      await this.#publish([outgoing]);
      return { id: outgoing.id };
    } finally {
      this.#finished();
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ClosedError(`producer of queue "${this.#context.queue}" is closed; create a new one to send.`);
    }
  }

  #finished(): void {
    if (--this.#pending === 0) this.#idle?.();
  }

  #publish(outgoing: readonly OutgoingMessage[]): Promise<void> {
    const { middleware } = this.#context;
    return middleware ? this.#publishThroughMiddleware(middleware, outgoing) : this.#publishNow(outgoing);
  }

  /** Publishes within the in-flight bound. Not async on the fast path: a send costs one promise less. */
  #publishNow(outgoing: readonly OutgoingMessage[]): Promise<void> {
    const { transport, queue, observer } = this.#context;
    if (observer?.onSent || !this.#inFlight.tryAcquire()) return this.#publishSlowPath(outgoing);
    try {
      return transport.publish(queue, outgoing).finally(this.#releaseSlot);
    } catch (error) {
      this.#releaseSlot(); // a transport that threw instead of rejecting
      throw error;
    }
  }

  readonly #releaseSlot = (): void => this.#inFlight.release();

  /** Publishes what the send middleware let through, with the headers it set. */
  #publishThroughMiddleware(middleware: SendChain, outgoing: readonly OutgoingMessage[]): Promise<void> {
    const { transport, queue } = this.#context;
    const messages: OutgoingView[] = outgoing.map((m) => ({
      id: m.id,
      key: m.key,
      bodyBytes: m.body.byteLength,
      headers: { ...m.headers },
    }));
    return middleware({ system: transport.name, queue, messages }, () =>
      this.#publishNow(outgoing.map((m, i) => ({ ...m, headers: messages[i]?.headers ?? m.headers }))),
    );
  }

  /** Waits for a free slot and times the publish for the observer. */
  async #publishSlowPath(outgoing: readonly OutgoingMessage[]): Promise<void> {
    const { transport, queue, observer } = this.#context;
    await this.#inFlight.acquire();
    const started = performance.now();
    try {
      await transport.publish(queue, outgoing);
    } finally {
      this.#inFlight.release();
    }
    const onSent = observer?.onSent;
    if (onSent) {
      const durationMs = performance.now() - started;
      for (const m of outgoing) onSent({ queue, id: m.id, durationMs });
    }
  }

  #prepare(body: T, options: SendOptions | undefined, bookkeeping?: Readonly<Record<string, string>>): OutgoingMessage {
    const { codec } = this.#context;
    const encoded = runCodec('ENCODE_FAILED', codec, body);
    const limit = this.#maxMessageBytes;
    if (limit !== undefined && encoded.byteLength > limit) {
      // Refused here, alone: in a broker request it would fail the messages batched with it.
      throw new PublishError(
        `a body of ${encoded.byteLength} bytes is above the ${this.#context.transport.name} limit of ${limit} bytes (maxMessageBytes). Fix: send a smaller body, or raise the broker's limit and set maxMessageBytes in the config.`,
      );
    }
    const delayMs = options?.delayMs ?? 0;
    if (!(delayMs >= 0 && Number.isFinite(delayMs))) {
      throw new ConfigError('send option "delayMs" must be zero or more milliseconds.', { field: 'delayMs' });
    }
    const expiresInMs = options?.expiresInMs;
    if (expiresInMs !== undefined && !(expiresInMs > 0 && Number.isFinite(expiresInMs))) {
      throw new ConfigError('send option "expiresInMs" must be more than zero milliseconds.', {
        field: 'expiresInMs',
      });
    }
    const priority = this.#priority(options?.priority);
    const timestamp = Date.now();
    let headers = options?.headers ? this.#withUserHeaders(options.headers) : this.#plainHeaders;
    if (expiresInMs !== undefined)
      headers = { ...headers, [HeaderNames.expiresAt]: String(Math.ceil(timestamp + expiresInMs)) };
    if (bookkeeping) headers = { ...headers, ...bookkeeping };
    const id = options?.id ?? randomUUID();
    const { cloudEvents } = this.#context;
    if (cloudEvents) {
      const event = cloudEvents.write(id, timestamp, encoded, headers, codec as Codec<unknown>, options?.cloudEvent);
      return { id, body: event.body, key: options?.key, headers: event.headers, timestamp, delayMs, ...priority };
    }
    if (options?.cloudEvent) {
      throw new ConfigError(
        `send option "cloudEvent" needs a queue that writes CloudEvents. Fix: add cloudEvents: { source, type } to the options of queue "${this.#context.queue}".`,
        {
          field: 'cloudEvent',
        },
      );
    }
    return { id, body: encoded, key: options?.key, headers, timestamp, delayMs, ...priority };
  }

  /** `{ priority }` for a valid priority the backend carries; nothing for none. */
  #priority(priority: number | undefined): { priority?: number } {
    if (priority === undefined) return {};
    const carried = this.#context.transport.capabilities.priorities;
    if (!carried) {
      throw new ConfigError(
        `send option "priority" needs a backend that delivers by priority (capabilities.priorities), and ${this.#context.transport.name} does not here. Fix: leave it out, or on RabbitMQ set maxPriority in the config.`,
        { field: 'priority' },
      );
    }
    if (!Number.isInteger(priority) || priority < 0 || priority > carried.maxPriority) {
      throw new ConfigError(
        `send option "priority" must be a whole number from 0 to ${carried.maxPriority} (maxPriority); got ${String(priority)}.`,
        { field: 'priority' },
      );
    }
    return { priority };
  }

  #withUserHeaders(userHeaders: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { ...this.#plainHeaders };
    for (const [name, value] of Object.entries(userHeaders)) {
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
    return headers;
  }
}
