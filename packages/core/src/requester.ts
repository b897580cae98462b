import { randomUUID } from 'node:crypto';
import { jsonCodec, runCodec } from './codec.js';
import type { Consumer } from './consumer.js';
import { ClosedError, ConfigError, RequestFailedError, RequestTimeoutError } from './errors.js';
import { HeaderNames } from './headers.js';
import type { Message, SendOptions } from './message.js';
import type { QueueProducer } from './producer.js';

/** Options of `queue.request`: those of `send`, and how long to wait for the reply. */
export interface RequestOptions extends Omit<SendOptions, 'delayMs'> {
  /**
   * How long to wait for the reply before a `RequestTimeoutError`. Default 30 000 ms. Also the
   * request's `expiresInMs` unless one is given: a request nobody answered in time is never run.
   */
  timeoutMs?: number;
}

interface Pending {
  readonly queue: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** What the requester needs from its client. */
export interface RequesterHost {
  /** A consumer of the reply queue, created like any other (the client closes it). */
  replyConsumer(queue: string, group: string): Consumer<Uint8Array>;
  /** Deletes the reply queue at close, even though the client is closing. */
  deleteReplyQueue(queue: string, group: string): Promise<void>;
}

const group = 'replies';

/**
 * One client's side of request-reply: a reply queue of its own (`anymq.replies.<uuid>`, subscribed
 * on the first request, deleted at close), and the requests waiting for a reply, by correlation id.
 */
export class Requester {
  readonly queue = `anymq.replies.${randomUUID()}`;
  readonly #host: RequesterHost;
  readonly #pending = new Map<string, Pending>();
  #consumer: Consumer<Uint8Array> | undefined;
  #subscribed: Promise<void> | undefined;
  #closed = false;

  constructor(host: RequesterHost) {
    this.#host = host;
  }

  async request<T, R>(producer: QueueProducer<T>, body: T, options: RequestOptions = {}): Promise<R> {
    const { timeoutMs = 30_000, ...sendOptions } = options;
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
      throw new ConfigError('request option "timeoutMs" must be more than zero milliseconds.', { field: 'timeoutMs' });
    }
    this.#assertOpen();
    if (!this.#subscribed) {
      const consumer = this.#host.replyConsumer(this.queue, group);
      this.#consumer = consumer;
      // A subscription that failed (the broker down, say) is tried again by the next request.
      this.#subscribed = consumer
        .run((reply) => this.#settle(reply))
        .catch(async (error: unknown) => {
          this.#subscribed = undefined;
          await consumer.close();
          throw error;
        });
    }
    await this.#subscribed;
    const correlationId = randomUUID();
    const queue = producer.queue;
    // The request expires the moment its requester gives up (the header says the last moment it
    // may still be handled): a consumer that gets it any later never runs it.
    const deadline = Date.now() + timeoutMs;
    const reply = new Promise<R>((resolve, reject) => {
      // A timer may fire a millisecond early by the wall clock the expiry is written in: give up
      // only once the deadline has passed by that clock too, so the request is expired by then.
      const expire = () => {
        const left = deadline - Date.now();
        if (left > 0) {
          const pending = this.#pending.get(correlationId);
          if (pending) this.#pending.set(correlationId, { ...pending, timer: setTimeout(expire, left) });
          return;
        }
        this.#pending.delete(correlationId);
        reject(new RequestTimeoutError(queue, timeoutMs));
      };
      this.#pending.set(correlationId, {
        queue,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(expire, timeoutMs),
      });
    });
    // Close may reject it while the send is still out, before the caller holds it.
    reply.catch(() => undefined);
    const bookkeeping: Record<string, string> = {
      [HeaderNames.replyTo]: this.queue,
      [HeaderNames.correlationId]: correlationId,
    };
    if (sendOptions.expiresInMs === undefined) bookkeeping[HeaderNames.expiresAt] = String(deadline - 1);
    try {
      await producer.sendWithBookkeeping(body, sendOptions, bookkeeping);
    } catch (error) {
      this.#take(correlationId);
      throw error;
    }
    return reply;
  }

  /** Rejects what still waits with `ClosedError`, closes the reply consumer and deletes the reply queue. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      this.#take(id);
      pending.reject(
        new ClosedError(`the client closed while a request to queue "${pending.queue}" waited for its reply.`),
      );
    }
    if (this.#subscribed) {
      await this.#subscribed.catch(() => undefined);
      await this.#consumer?.close();
      await this.#host.deleteReplyQueue(this.queue, group);
    }
  }

  /** A reply: resolves or rejects its request. A late reply (timed out) or a stranger's is dropped. */
  #settle(reply: Message<Uint8Array>): void {
    const pending = this.#take(reply.headers[HeaderNames.correlationId] ?? '');
    if (!pending) return;
    const errorCode = reply.headers[HeaderNames.errorCode];
    if (errorCode !== undefined) {
      pending.reject(
        new RequestFailedError(pending.queue, errorCode, reply.headers[HeaderNames.error] ?? 'no reason given'),
      );
      return;
    }
    try {
      pending.resolve(runCodec('DECODE_FAILED', jsonCodec, reply.body));
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  #take(correlationId: string): Pending | undefined {
    const pending = this.#pending.get(correlationId);
    if (!pending) return undefined;
    this.#pending.delete(correlationId);
    clearTimeout(pending.timer);
    return pending;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the client is closed; connect again to send requests.');
  }
}
