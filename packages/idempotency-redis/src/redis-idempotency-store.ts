import { randomUUID } from 'node:crypto';
import type { ClaimResult, IdempotencyStore } from '@anymq/core';
import { Redis } from 'ioredis';

/** An ioredis client or URL, the key prefix, and how long processed ids are kept. */
export interface RedisIdempotencyStoreOptions {
  /** An ioredis client you own (and close), or a `redis://` URL for a client the store owns. */
  client?: Redis;
  url?: string;
  /** Prefix of the store's keys. Default `anymq:idem:`. */
  prefix?: string;
  /** How long a processed id is remembered. Default 7 days. */
  doneTtlMs?: number;
}

/** Deletes the key only while it still holds this claim: a lapsed claim taken by another stays. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const DONE = 'done';

/**
 * An idempotency store shared by every process that reaches one Redis. One key per scope and id:
 * `claim` is `SET NX PX` (a claim lapses after its TTL, so a process that died holding it does not
 * block the id for good), a processed id is `done` for `doneTtlMs`, and `release` deletes only this
 * process's own claim.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #doneTtlMs: number;
  /** This process's claims, by key: the token that proves which claim is ours. */
  readonly #claims = new Map<string, string>();

  constructor(options: RedisIdempotencyStoreOptions) {
    if (!options.client && !options.url) throw new TypeError('RedisIdempotencyStore needs a client or a url.');
    this.#redis = options.client ?? new Redis(options.url as string, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.#owned = !options.client;
    // Ours: it reconnects by itself and failures reach the commands; unheard, ioredis prints each one.
    if (this.#owned) this.#redis.on('error', () => undefined);
    this.#prefix = options.prefix ?? 'anymq:idem:';
    this.#doneTtlMs = options.doneTtlMs ?? 7 * 24 * 3600_000;
  }

  async has(scope: string, id: string): Promise<boolean> {
    return (await this.#redis.get(this.#key(scope, id))) === DONE;
  }

  async add(scope: string, id: string): Promise<void> {
    const key = this.#key(scope, id);
    this.#claims.delete(key);
    await this.#redis.set(key, DONE, 'PX', this.#doneTtlMs);
  }

  async claim(scope: string, id: string, ttlMs: number): Promise<ClaimResult> {
    const key = this.#key(scope, id);
    const token = `claim:${randomUUID()}`;
    if ((await this.#redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') {
      this.#claims.set(key, token);
      return 'claimed';
    }
    return (await this.#redis.get(key)) === DONE ? 'done' : 'busy';
  }

  async release(scope: string, id: string): Promise<void> {
    const key = this.#key(scope, id);
    const token = this.#claims.get(key);
    if (token === undefined) return;
    this.#claims.delete(key);
    await this.#redis.eval(RELEASE, 1, key, token);
  }

  /** Closes the client if the store made it. */
  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit();
  }

  #key(scope: string, id: string): string {
    return `${this.#prefix}${scope}\u0000${id}`;
  }
}
