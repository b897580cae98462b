import { ConfigError } from './errors.js';
import type { Message } from './message.js';

/** Handles a batch of messages: resolving acks each one not settled yet; throwing fails each (retry, then dead letter). */
export type BatchHandler<T> = (messages: readonly Message<T>[]) => unknown;

/** How `runBatch` gathers messages. */
export interface BatchOptions {
  /** Most messages in one batch. Default 100. */
  maxMessages?: number;
  /** Longest a batch waits for more messages after its first, in ms. Default 50. */
  maxWaitMs?: number;
  /** Aborting it stops intake, as with `run`. */
  signal?: AbortSignal;
}

interface Batch<T> {
  readonly messages: Message<T>[];
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  readonly timer: NodeJS.Timeout;
}

/**
 * Gathers the messages a consumer is handling into batches for a batch handler. Each message's
 * handling waits for its batch, so every message is then settled on its own, by the same policy as
 * with `run`: acked when the batch handler resolves, retried or dead-lettered when it throws.
 */
export class Batcher<T> {
  readonly maxMessages: number;
  readonly #maxWaitMs: number;
  readonly #handler: BatchHandler<T>;
  readonly #concurrency: number;
  #current: Batch<T> | undefined;
  /** Batches closed (full, or waited long enough) while `concurrency` others ran. */
  readonly #ready: Batch<T>[] = [];
  #running = 0;

  constructor(handler: BatchHandler<T>, options: BatchOptions, concurrency: number) {
    if (typeof handler !== 'function') {
      throw new ConfigError('consumer.runBatch(handler) takes a function.', { field: 'handler' });
    }
    const maxMessages = options.maxMessages ?? 100;
    if (!Number.isInteger(maxMessages) || maxMessages < 1) {
      throw new ConfigError('runBatch option "maxMessages" must be a whole number of at least 1.', {
        field: 'maxMessages',
      });
    }
    const maxWaitMs = options.maxWaitMs ?? 50;
    if (!(maxWaitMs >= 0 && Number.isFinite(maxWaitMs))) {
      throw new ConfigError('runBatch option "maxWaitMs" must be zero or more milliseconds.', { field: 'maxWaitMs' });
    }
    this.#handler = handler;
    this.#concurrency = concurrency;
    this.maxMessages = maxMessages;
    this.#maxWaitMs = maxWaitMs;
  }

  /** The handler for one message: settles when the batch it joined has been handled. */
  readonly add = (message: Message<T>): Promise<void> => {
    const batch = (this.#current ??= {
      messages: [],
      waiters: [],
      timer: setTimeout(() => this.#flush(batch), this.#maxWaitMs),
    });
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    batch.messages.push(message);
    if (batch.messages.length >= this.maxMessages) this.#flush(batch);
    return done;
  };

  /** Closes the batch to new messages; it runs now, or once one of the `concurrency` running ends. */
  #flush(batch: Batch<T>): void {
    if (this.#current !== batch) return;
    this.#current = undefined;
    clearTimeout(batch.timer);
    this.#ready.push(batch);
    this.#runReady();
  }

  #runReady(): void {
    while (this.#running < this.#concurrency) {
      const batch = this.#ready.shift();
      if (!batch) return;
      this.#running++;
      Promise.resolve()
        .then(() => this.#handler(batch.messages))
        .then(
          () => batch.waiters.forEach((waiter) => waiter.resolve()),
          (error: unknown) => batch.waiters.forEach((waiter) => waiter.reject(error)),
        )
        .finally(() => {
          this.#running--;
          this.#runReady();
        });
    }
  }
}
