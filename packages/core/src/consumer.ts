import { type BatchHandler, Batcher, type BatchOptions } from './batcher.js';
import { CLOUD_EVENTS_JSON, type CloudEventAttributes, type CloudEvents } from './cloud-events.js';
import { type Codec, mediaType, runCodec } from './codec.js';
import {
  AnymqError,
  ClosedError,
  AttemptsExhaustedError,
  CodecError,
  EnvelopeError,
  ExpiredError,
  ConfigError,
  HandlerTimeoutError,
  toError,
} from './errors.js';
import { HeaderNames } from './headers.js';
import { type IdempotencyStore, MemoryIdempotencyStore } from './idempotency-store.js';
import type { Message } from './message.js';
import type { HandleChain, HandleContext, Outcome } from './middleware.js';
import { assertName } from './names.js';
import type { Observer } from './observer.js';
import { type ReplyAddress, replyAddress, replyMessage } from './replies.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from './retry-policy.js';
import { type StandardSchemaV1, validateBody } from './schema.js';
import type { Delivery, Subscription, Transport } from './transport.js';

/** How a consumer joins its group, retries, dead-letters and shuts down. */
export interface ConsumerOptions {
  /** Consumer group: every group gets every message; members of one group share them. */
  group: string;
  /** Handlers running at once; also the prefetch. Default 1. */
  concurrency?: number;
  /** Attempts and backoff before a failing message is dead-lettered. */
  retry?: RetryOptions;
  /** Where messages go after the last attempt. Default `<queue>.dlq`. */
  deadLetter?: { queue?: string };
  /**
   * Skip messages whose id this group already processed. `true` uses a bounded in-memory store. A
   * store that can `claim` (Redis, PostgreSQL) also keeps two processes from running one id at
   * once; `claimTtlMs` (default 60 s) must exceed your longest handler, and is how long a copy
   * waits for the claim of a process that died.
   */
  idempotency?: boolean | { store: IdempotencyStore; claimTtlMs?: number };
  /** Where a group that does not exist yet starts, where the transport can replay. Default `earliest`. */
  startFrom?: 'earliest' | 'latest';
  /** A handler running longer fails with `HandlerTimeoutError` (and is retried). Default: none. */
  handlerTimeoutMs?: number;
  /** How long `close()` waits for running handlers before handing their messages back. Default 30 s. */
  drainTimeoutMs?: number;
}

/**
 * Handles one message: resolving acks it, throwing retries or dead-letters it. For a request
 * (`queue.request`), what it returns is the reply, as JSON.
 */
export type Handler<T> = (message: Message<T>) => unknown;

/** A member of a consumer group of one queue. */
export interface Consumer<T> {
  /**
   * Subscribes and calls `handler` for each message; resolves once subscribed. A handler that
   * resolves acks; one that throws is retried with backoff, then dead-lettered. Aborting `signal`
   * stops intake: messages not yet started go back to the group.
   */
  run(handler: Handler<T>, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Like `run`, for a handler that takes messages in batches: up to `maxMessages` (default 100),
   * gathered for at most `maxWaitMs` (default 50) after the first. Resolving acks every message of
   * the batch not settled yet; throwing fails each one, retried or dead-lettered by its own
   * attempts. `message.ack()` and `message.nack()` settle one message inside a batch. The consumer's
   * `concurrency` is the number of batches handled at once; one more fills meanwhile.
   */
  runBatch(handler: BatchHandler<T>, options?: BatchOptions): Promise<void>;
  /** Stops intake, aborts handlers' signals, waits for running handlers (bounded). Idempotent. */
  close(): Promise<void>;
  /** Handlers running now. */
  readonly inFlight: number;
}

export interface ConsumerContext<T> {
  readonly transport: Transport;
  readonly queue: string;
  readonly codec: Codec<T>;
  readonly schema: StandardSchemaV1 | undefined;
  readonly cloudEvents: CloudEvents | undefined;
  readonly observer: Observer | undefined;
  readonly middleware: HandleChain | undefined;
  readonly onClosed: (consumer: QueueConsumer<T>) => void;
}

const defaultIdempotencyStore = new MemoryIdempotencyStore();

/** Ids being handled right now, per store: a duplicate waits for the first copy to settle. */
const inProgress = new WeakMap<IdempotencyStore, Map<string, Promise<void>>>();

/**
 * Waits until no other consumer of this process handles `key` with `store`, then claims it. The
 * returned function releases the claim. Without it, two copies delivered at once would both pass
 * `store.has` and run the handler twice.
 */
async function claimId(store: IdempotencyStore, key: string): Promise<() => void> {
  let claims = inProgress.get(store);
  if (!claims) {
    claims = new Map();
    inProgress.set(store, claims);
  }
  for (let current = claims.get(key); current; current = claims.get(key)) await current;
  let release!: () => void;
  claims.set(key, new Promise<void>((resolve) => (release = resolve)));
  return () => {
    claims.delete(key);
    release();
  };
}

/** Arbitrary bytes: a codec of this content type reads every message. */
const anyContent = 'application/octet-stream';

/**
 * A message that says it is in another format than the queue's codec reads is undecodable, even if
 * the bytes happen to parse. A message without the header (from a plain client) is decoded as it
 * is. Built once per consumer, so that the codec's media type is not parsed for every message.
 */
function contentTypeCheck(codecContentType: string): (contentType: string | undefined) => void {
  const expected = mediaType(codecContentType);
  if (expected === anyContent) return () => undefined;
  return (contentType) => {
    if (contentType === undefined || contentType === codecContentType || mediaType(contentType) === expected) return;
    const fix =
      mediaType(contentType) === CLOUD_EVENTS_JSON
        ? 'add cloudEvents: {} to the queue options to read CloudEvents'
        : `send with the same codec, or consume with a codec for ${contentType}`;
    throw new CodecError(
      'DECODE_FAILED',
      `content type "${contentType}" is not "${codecContentType}", which this queue's codec reads. Fix: ${fix}.`,
    );
  };
}

const ACKED: Outcome = Object.freeze({ kind: 'acked' });
const DUPLICATE: Outcome = Object.freeze({ kind: 'duplicate' });
const HANDED_BACK: Outcome = Object.freeze({ kind: 'handed-back' });

/**
 * A delivery being handled. It settles once: the first of ack, failure or hand-back wins, and
 * its outcome is what that settlement was (what handle middleware is told).
 */
class Running {
  /** Settles when its handling has ended. */
  done: Promise<void> | undefined;
  /** Its id was recorded in the idempotency store as processed. */
  recorded = false;
  outcome: Outcome | undefined;
  #settled: Promise<void> | undefined;

  constructor(
    readonly delivery: Delivery,
    readonly onSettleError: (error: unknown) => void,
    /** Handle middleware is installed: the settlement is timed for it. */
    readonly timed: boolean,
  ) {}

  /** Settles with `outcome` by running `action`, unless it settled already. */
  settle(outcome: Outcome, action: () => Promise<void>): Promise<void> {
    if (this.#settled) return this.#settled;
    this.outcome = outcome;
    if (this.timed) {
      const startedAt = performance.now();
      this.#settled = action().then(
        () => this.#timed(startedAt),
        (error: unknown) => (this.#unsettled(error), this.#timed(startedAt)),
      );
    } else this.#settled = action().catch((error: unknown) => this.#unsettled(error));
    return this.#settled;
  }

  handBack(): Promise<void> {
    return this.settle(HANDED_BACK, () => this.delivery.release());
  }

  #timed(startedAt: number): void {
    this.outcome = { ...(this.outcome as Outcome), settle: { startedAt, endedAt: performance.now() } };
  }

  #unsettled(error: unknown): void {
    this.outcome = { kind: 'unsettled', error: toError(error) };
    this.onSettleError(error);
  }
}

export class QueueConsumer<T> implements Consumer<T> {
  readonly #context: ConsumerContext<T>;
  readonly #group: string;
  readonly #concurrency: number;
  readonly #policy: RetryPolicy;
  readonly #deadLetterQueue: string;
  readonly #store: IdempotencyStore | undefined;
  readonly #claimTtlMs: number;
  readonly #startFrom: 'earliest' | 'latest';
  readonly #handlerTimeoutMs: number | undefined;
  readonly #drainTimeoutMs: number;
  readonly #checkContentType: (contentType: string | undefined) => void;
  readonly #closing = new AbortController();
  /** Each message being handled, with the function that hands it back if the drain times out. */
  readonly #running = new Set<Running>();
  /**
   * Deliveries that came after intake stopped, on their way back to the group: close() waits for
   * them, so that the transport is not shut down with one still in the member's hands (Kafka would
   * then take it for a crash and count an attempt against it).
   */
  readonly #handingBack = new Set<Promise<void>>();
  #handler: Handler<T> | undefined;
  #subscription: Subscription | undefined;
  #intakeStopped = false;
  #closed: Promise<void> | undefined;
  /** Set once close() has finished: settling a message is then an error. */
  #finished = false;

  constructor(context: ConsumerContext<T>, options: ConsumerOptions) {
    assertName('group', options?.group);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ConfigError('consumer option "concurrency" must be a whole number of at least 1.', {
        field: 'concurrency',
      });
    }
    this.#context = context;
    this.#group = options.group;
    this.#concurrency = concurrency;
    this.#policy = retryPolicy(options.retry);
    this.#deadLetterQueue = options.deadLetter?.queue ?? `${context.queue}.dlq`;
    assertName('queue', this.#deadLetterQueue);
    const idempotency = options.idempotency;
    this.#store = idempotency === true ? defaultIdempotencyStore : idempotency ? idempotency.store : undefined;
    this.#claimTtlMs = (typeof idempotency === 'object' ? idempotency.claimTtlMs : undefined) ?? 60_000;
    this.#startFrom = options.startFrom ?? 'earliest';
    this.#handlerTimeoutMs = options.handlerTimeoutMs;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
    this.#checkContentType = contentTypeCheck(context.codec.contentType);
  }

  get inFlight(): number {
    return this.#running.size;
  }

  run(handler: Handler<T>, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (typeof handler !== 'function') {
      return Promise.reject(new ConfigError('consumer.run(handler) takes a function.', { field: 'handler' }));
    }
    return this.#start(handler, this.#concurrency, options.signal);
  }

  async runBatch(handler: BatchHandler<T>, options: BatchOptions = {}): Promise<void> {
    const batcher = new Batcher(handler, options, this.#concurrency);
    // Room for the batches being handled and one more filling meanwhile, so that the broker keeps
    // delivering while a batch runs (with room for exactly one, every batch would wait for the last).
    await this.#start(batcher.add, batcher.maxMessages * (this.#concurrency + 1), options.signal);
  }

  async #start(handler: Handler<T>, prefetch: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#closed) throw new ClosedError(this.#describe('is closed; create a new consumer to run again.'));
    if (this.#handler) {
      throw new ConfigError(
        this.#describe(
          'is already running. Fix: call run() once per consumer; create another consumer for another handler.',
        ),
        { field: 'run' },
      );
    }
    this.#handler = handler;
    const subscription = await this.#context.transport.subscribe(
      this.#context.queue,
      { group: this.#group, prefetch, startFrom: this.#startFrom },
      (delivery) => this.#onDelivery(delivery),
    );
    this.#subscription = subscription;
    // close() or an abort may have come while subscribing: stop the intake that just started.
    if (this.#intakeStopped) await subscription.close();
    if (signal?.aborted) await this.#stopIntake();
    else signal?.addEventListener('abort', () => void this.#stopIntake(), { once: true });
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort(new ClosedError(this.#describe('is closing.')));
    await this.#stopIntake();
    if (this.#running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#drainTimeoutMs);
      });
      await Promise.race([Promise.allSettled([...this.#running].map((running) => running.done)), timedOut]);
      clearTimeout(timer);
      // Handlers still running after the drain timeout: their messages go back to the group.
      await Promise.all([...this.#running].map((running) => running.handBack()));
    }
    while (this.#handingBack.size > 0) await Promise.all(this.#handingBack);
    this.#finished = true;
    this.#context.onClosed(this);
  }

  async #stopIntake(): Promise<void> {
    if (this.#intakeStopped) return;
    this.#intakeStopped = true;
    await this.#subscription?.close();
  }

  #onDelivery(delivery: Delivery): void {
    const handler = this.#handler;
    if (this.#intakeStopped || !handler) {
      const released: Promise<void> = delivery
        .release()
        .catch((error: unknown) => this.#reportSettleError(error))
        .finally(() => this.#handingBack.delete(released));
      this.#handingBack.add(released);
      return;
    }
    const middleware = this.#context.middleware;
    const running = new Running(delivery, this.#reportSettleError, middleware !== undefined);
    this.#running.add(running);
    running.done = middleware ? this.#processThrough(middleware, running, handler) : this.#process(running, handler);
  }

  /**
   * Handles one delivery inside the handle middleware. A middleware that fails before the handling
   * began fails the message (retry or dead-letter); one that fails after it is reported; one that
   * returns without calling `next()` has filtered the message out, and it is acked.
   */
  async #processThrough(middleware: HandleChain, running: Running, handler: Handler<T>): Promise<void> {
    const { delivery } = running;
    const context: HandleContext = {
      system: this.#context.transport.name,
      queue: this.#context.queue,
      group: this.#group,
      id: delivery.id,
      key: delivery.key,
      headers: delivery.headers,
      attempt: delivery.attempt,
      bodyBytes: delivery.body.byteLength,
    };
    let began = false;
    try {
      await middleware(context, async () => {
        began = true;
        await this.#process(running, handler);
        return running.outcome ?? HANDED_BACK;
      });
      if (!began) {
        await running.settle(ACKED, () => delivery.ack());
        this.#running.delete(running);
      }
    } catch (error) {
      if (began) this.#reportSettleError(error);
      else {
        await this.#settleFailure(running, toError(error));
        this.#running.delete(running);
      }
    }
  }

  /**
   * An `ExpiredError` when the message carries an expiry (`expiresInMs`) that has passed. Dead letters
   * never expire; a value that is not a time is reported to `onIgnored` and read as none.
   */
  #expiry(delivery: Delivery): ExpiredError | undefined {
    const value = delivery.headers[HeaderNames.expiresAt];
    if (value === undefined || delivery.headers[HeaderNames.deadLetteredAt] !== undefined) return undefined;
    if (!/^\d{1,15}$/.test(value)) {
      const ignored = [`${HeaderNames.expiresAt}=${value.slice(0, 40)}`];
      this.#context.observer?.onIgnored?.({ queue: this.#context.queue, group: this.#group, id: delivery.id, ignored });
      return undefined;
    }
    const now = Date.now();
    return now > Number(value) ? new ExpiredError(Number(value), now) : undefined;
  }

  /** Handles one delivery to its end; never rejects (anything unexpected fails the message). */
  async #process(running: Running, handler: Handler<T>): Promise<void> {
    const { delivery } = running;
    let claim: (() => void) | undefined;
    let sharedClaim = false;
    try {
      const { queue, codec, schema, observer } = this.#context;
      if (delivery.ignored)
        observer?.onIgnored?.({ queue, group: this.#group, id: delivery.id, ignored: delivery.ignored });
      if (delivery.invalid !== undefined) {
        await this.#settleDeadLetter(running, new EnvelopeError(delivery.invalid as string));
        return;
      }
      const expired = this.#expiry(delivery);
      if (expired) {
        await this.#settleDeadLetter(running, expired);
        return;
      }
      if (delivery.attempt > this.#policy.maxAttempts) {
        // Its attempts were spent by consumers that died holding it: running it again would only
        // repeat the crash and hold up the messages behind it.
        const error = new AttemptsExhaustedError(delivery.attempt, delivery.abandoned ?? 0, this.#policy.maxAttempts);
        await this.#settleDeadLetter(running, error);
        return;
      }
      let body: T;
      let cloudEvent: CloudEventAttributes | undefined;
      try {
        const event = this.#context.cloudEvents?.read(delivery.body, delivery.headers);
        cloudEvent = event?.attributes;
        this.#checkContentType(event ? event.contentType : delivery.headers[HeaderNames.contentType]);
        body = runCodec('DECODE_FAILED', codec, event ? event.data : delivery.body);
        if (schema) await validateBody(schema, queue, body);
      } catch (error) {
        // Undecodable or schema-invalid: no retry can fix it.
        await this.#settleDeadLetter(running, toError(error));
        return;
      }
      if (this.#store) {
        claim = await claimId(this.#store, `${this.#scope()}\u0000${delivery.id}`);
        const found = this.#store.claim
          ? await this.#claimShared(this.#store, delivery.id)
          : (await this.#store.has(this.#scope(), delivery.id))
            ? 'done'
            : 'claimed';
        if (found === 'closing') {
          await running.handBack();
          return;
        }
        if (found === 'done') {
          await running.settle(DUPLICATE, () => delivery.ack());
          observer?.onDuplicate?.({ queue, group: this.#group, id: delivery.id });
          return;
        }
        sharedClaim = this.#store.release !== undefined;
      }

      const deadline = this.#handlerTimeoutMs === undefined ? undefined : new AbortController();
      const signal = deadline ? AbortSignal.any([this.#closing.signal, deadline.signal]) : this.#closing.signal;
      const started = observer?.onAcked ? performance.now() : 0;
      const message: Message<T> = {
        id: delivery.id,
        body,
        key: delivery.key,
        headers: delivery.headers,
        timestamp: delivery.timestamp,
        attempt: delivery.attempt,
        queue,
        group: this.#group,
        ...(cloudEvent && { cloudEvent }),
        signal,
        ack: () => (this.#finished ? this.#rejectClosed() : this.#ack(running, started)),
        nack: (error?: unknown) =>
          this.#finished
            ? this.#rejectClosed()
            : this.#fail(running, signal, toError(error ?? new Error('nacked by the handler'))),
      };
      let result: unknown;
      try {
        result = await (deadline ? this.#withDeadline(() => handler(message), deadline) : handler(message));
      } catch (error) {
        await this.#fail(running, signal, toError(error));
        return;
      }
      const address = this.#replyAddress(delivery);
      // No reply for a request the handler failed itself (message.nack()), and none past its expiry
      // (the request's timeout): nobody waits for it any more, and its queue may be gone.
      const failedByHandler = running.outcome !== undefined && running.outcome.kind !== 'acked';
      if (address && !failedByHandler && !(Number(delivery.headers[HeaderNames.expiresAt]) < Date.now())) {
        let reply;
        try {
          reply = replyMessage(address, { value: result });
        } catch (error) {
          // A return value JSON cannot write: running the handler again returns the same.
          await this.#settleDeadLetter(running, toError(error));
          return;
        }
        try {
          await this.#context.transport.publish(address.queue, [reply]);
        } catch (error) {
          await this.#settleFailure(running, toError(error));
          return;
        }
      }
      await this.#ack(running, started);
    } catch (error) {
      // Not the handler: a throwing idempotency store, say. The retry must be able to claim the id again.
      await this.#settleFailure(running, toError(error));
    } finally {
      // Not recorded as processed (failed, retried, handed back): let a later copy claim it.
      if (sharedClaim && !running.recorded) {
        await this.#store
          ?.release?.(this.#scope(), delivery.id)
          .catch((error: unknown) => this.#reportSettleError(error));
      }
      claim?.();
      this.#running.delete(running);
    }
  }

  /**
   * Claims `id` in a store shared between processes. While another process holds it, waits (with
   * backoff) for that one to finish ('done'), to give up, or for its claim to lapse.
   */
  async #claimShared(store: IdempotencyStore, id: string): Promise<'claimed' | 'done' | 'closing'> {
    for (let wait = 25; ; wait = Math.min(wait * 2, 1_000)) {
      const found = await (store.claim as NonNullable<IdempotencyStore['claim']>)(this.#scope(), id, this.#claimTtlMs);
      if (found !== 'busy') return found;
      if (this.#closing.signal.aborted) return 'closing';
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  #ack(running: Running, started: number): Promise<void> {
    return running.settle(ACKED, () => this.#acked(running, started));
  }

  /** On close, a handler stopped by the closing signal hands its message back instead of failing it. */
  #fail(running: Running, signal: AbortSignal, error: Error): Promise<void> {
    const closing = signal.aborted && this.#closing.signal.aborted;
    return closing ? running.handBack() : this.#settleFailure(running, error);
  }

  /** Where the reply goes if this delivery is a request; a bad reply address is reported to `onIgnored`. */
  #replyAddress(delivery: Delivery): ReplyAddress | undefined {
    const address = replyAddress(delivery.headers);
    if (address === undefined || !('ignored' in address)) return address;
    const { queue, observer } = this.#context;
    observer?.onIgnored?.({ queue, group: this.#group, id: delivery.id, ignored: [address.ignored] });
    return undefined;
  }

  /** Runs the handler; past `handlerTimeoutMs` it fails with `HandlerTimeoutError` and its signal aborts. */
  async #withDeadline(run: () => unknown, deadline: AbortController): Promise<unknown> {
    const timeoutMs = this.#handlerTimeoutMs ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(timeoutMs);
        reject(error);
        deadline.abort(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #acked(running: Running, started: number): Promise<void> {
    // The common case (no idempotency store, no observer) is a plain ack: no extra async frame.
    if (!this.#store && !this.#context.observer?.onAcked) return running.delivery.ack();
    return this.#ackedAndRecorded(running, started);
  }

  async #ackedAndRecorded(running: Running, started: number): Promise<void> {
    const { delivery } = running;
    if (this.#store) {
      // The handler succeeded: ack even if the id could not be recorded (a later copy may then run again).
      await Promise.resolve()
        .then(() => this.#store?.add(this.#scope(), delivery.id))
        .then(() => (running.recorded = true))
        .catch((error: unknown) => this.#reportSettleError(error));
    }
    await delivery.ack();
    const onAcked = this.#context.observer?.onAcked;
    if (onAcked) {
      onAcked({
        queue: this.#context.queue,
        group: this.#group,
        id: delivery.id,
        attempt: delivery.attempt,
        handlerMs: performance.now() - started,
      });
    }
  }

  /** Retries or dead-letters, per the retry policy. */
  #settleFailure(running: Running, error: Error): Promise<void> {
    const { delivery } = running;
    if (!this.#policy.shouldRetry(error, delivery.attempt)) return this.#settleDeadLetter(running, error);
    const delayMs = this.#policy.delayMs(delivery.attempt);
    return running.settle({ kind: 'retried', error, delayMs }, () => this.#retry(delivery, error, delayMs));
  }

  #settleDeadLetter(running: Running, error: Error): Promise<void> {
    return running.settle({ kind: 'dead-lettered', error, deadLetterQueue: this.#deadLetterQueue }, () =>
      this.#deadLetter(running.delivery, error),
    );
  }

  async #retry(delivery: Delivery, error: Error, delayMs: number): Promise<void> {
    await delivery.retry(delayMs);
    this.#context.observer?.onRetried?.({
      queue: this.#context.queue,
      group: this.#group,
      id: delivery.id,
      attempt: delivery.attempt,
      delayMs,
      error,
    });
  }

  async #deadLetter(delivery: Delivery, error: Error): Promise<void> {
    const code = error instanceof AnymqError ? error.code : error.name;
    await delivery.deadLetter(this.#deadLetterQueue, {
      [HeaderNames.error]: error.message.slice(0, 1000),
      [HeaderNames.errorCode]: code,
      [HeaderNames.originAttempt]: String(delivery.attempt),
      [HeaderNames.originQueue]: this.#context.queue,
      [HeaderNames.originGroup]: this.#group,
      [HeaderNames.deadLetteredAt]: String(Date.now()),
    });
    // A request that failed for good: its requester learns why now rather than at its timeout.
    const address = replyAddress(delivery.headers);
    if (address && !('ignored' in address)) {
      await this.#context.transport
        .publish(address.queue, [replyMessage(address, { error })])
        .catch((failure: unknown) => this.#reportSettleError(failure));
    }
    this.#context.observer?.onDeadLettered?.({
      queue: this.#context.queue,
      group: this.#group,
      id: delivery.id,
      attempt: delivery.attempt,
      error,
    });
  }

  readonly #reportSettleError = (error: unknown): void => {
    // The broker did not take the ack or nack (for example the connection dropped): the message
    // stays unacknowledged there and is redelivered, so nothing is lost. Report it, do not throw.
    this.#context.observer?.onError?.({ queue: this.#context.queue, group: this.#group, error: toError(error) });
  };

  #rejectClosed(): Promise<never> {
    return Promise.reject(
      new ClosedError(
        this.#describe(
          'is closed: ack() and nack() are only valid while it runs; the message is redelivered if it was not settled.',
        ),
      ),
    );
  }

  #scope(): string {
    return `${this.#context.queue}/${this.#group}`;
  }

  #describe(what: string): string {
    return `consumer of group "${this.#group}" on queue "${this.#context.queue}" ${what}`;
  }
}
