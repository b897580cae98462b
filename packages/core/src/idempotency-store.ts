/** What a claim on a message id found: run it, it is done already, or another process runs it now. */
export type ClaimResult = 'claimed' | 'done' | 'busy';

/**
 * Remembers which message ids a group has processed, so that a redelivered or duplicated message
 * is acknowledged without running the handler again. `MemoryIdempotencyStore` serves one process;
 * `@anymq/idempotency-redis` and `@anymq/idempotency-postgres` share it between processes.
 */
export interface IdempotencyStore {
  /** Whether `id` was recorded for `scope` (a queue and group). */
  has(scope: string, id: string): boolean | Promise<boolean>;
  /** Records that `id` was processed in `scope`. */
  add(scope: string, id: string): void | Promise<void>;
  /**
   * For stores shared between processes: takes `id` for processing for `ttlMs`, so that a copy
   * delivered to another process at the same time waits instead of running too. A claim not
   * released or recorded within `ttlMs` (its process died) lapses. Without it, only `has` is asked.
   */
  claim?(scope: string, id: string, ttlMs: number): Promise<ClaimResult>;
  /** Gives up this process's claim (the handler failed), so that a retry can claim it again. */
  release?(scope: string, id: string): Promise<void>;
}

/** A bounded in-memory store: the oldest ids are forgotten once `maxEntries` is reached. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #seen = new Set<string>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  has(scope: string, id: string): boolean {
    return this.#seen.has(`${scope}\u0000${id}`);
  }

  add(scope: string, id: string): void {
    const entry = `${scope}\u0000${id}`;
    this.#seen.delete(entry);
    this.#seen.add(entry);
    if (this.#seen.size > this.#maxEntries) {
      // A Set iterates in insertion order: the first entry is the oldest.
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  get size(): number {
    return this.#seen.size;
  }
}
