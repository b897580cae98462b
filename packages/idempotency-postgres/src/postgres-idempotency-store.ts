import { randomUUID } from 'node:crypto';
import type { ClaimResult, IdempotencyStore } from '@anymq/core';
import pg from 'pg';

/** A pool or connection string, and the table the store keeps its claims in. */
export interface PostgresIdempotencyStoreOptions {
  /** A pg Pool you own (and end), or a `postgres://` connection string for a pool the store owns. */
  pool?: pg.Pool;
  connectionString?: string;
  /** The table (created if missing). Default `anymq_idempotency`. */
  table?: string;
  /** How long a processed id is remembered. Default 7 days. */
  doneTtlMs?: number;
}

/**
 * An idempotency store shared by every process that reaches one PostgreSQL database: one row per
 * scope and id, in state `claimed` (with an owner and an expiry, so that the claim of a process that
 * died lapses) or `done`. A claim is one `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, so two
 * processes racing for one id cannot both win.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  readonly #table: string;
  readonly #doneTtlMs: number;
  /** One owner name per store instance: releases touch only this instance's claims. */
  readonly #owner = randomUUID();
  #ready: Promise<void> | undefined;

  constructor(options: PostgresIdempotencyStoreOptions) {
    if (!options.pool && !options.connectionString)
      throw new TypeError('PostgresIdempotencyStore needs a pool or a connectionString.');
    const table = options.table ?? 'anymq_idempotency';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table))
      throw new TypeError(`table "${table}" must be a plain lower-case SQL name.`);
    this.#pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
    this.#owned = !options.pool;
    this.#table = table;
    this.#doneTtlMs = options.doneTtlMs ?? 7 * 24 * 3600_000;
  }

  async has(scope: string, id: string): Promise<boolean> {
    await this.#ensureTable();
    const { rows } = await this.#pool.query(
      `SELECT 1 FROM ${this.#table} WHERE scope = $1 AND id = $2 AND state = 'done' AND expires_at > now()`,
      [scope, id],
    );
    return rows.length > 0;
  }

  async add(scope: string, id: string): Promise<void> {
    await this.#ensureTable();
    await this.#pool.query(
      `INSERT INTO ${this.#table} (scope, id, state, owner, expires_at) VALUES ($1, $2, 'done', $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (scope, id) DO UPDATE SET state = 'done', owner = $3, expires_at = EXCLUDED.expires_at`,
      [scope, id, this.#owner, this.#doneTtlMs],
    );
  }

  async claim(scope: string, id: string, ttlMs: number): Promise<ClaimResult> {
    await this.#ensureTable();
    const { rows } = await this.#pool.query<{ state: string; owner: string }>(
      `INSERT INTO ${this.#table} AS t (scope, id, state, owner, expires_at) VALUES ($1, $2, 'claimed', $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (scope, id) DO UPDATE SET state = 'claimed', owner = $3, expires_at = EXCLUDED.expires_at
         WHERE t.expires_at <= now()
       RETURNING state, owner`,
      [scope, id, this.#owner, ttlMs],
    );
    if (rows[0]?.owner === this.#owner) return 'claimed';
    const found = await this.#pool.query<{ state: string }>(
      `SELECT state FROM ${this.#table} WHERE scope = $1 AND id = $2`,
      [scope, id],
    );
    return found.rows[0]?.state === 'done' ? 'done' : 'busy';
  }

  async release(scope: string, id: string): Promise<void> {
    await this.#ensureTable();
    await this.#pool.query(
      `DELETE FROM ${this.#table} WHERE scope = $1 AND id = $2 AND state = 'claimed' AND owner = $3`,
      [scope, id, this.#owner],
    );
  }

  /** Ends the pool if the store made it. */
  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }

  #ensureTable(): Promise<void> {
    this.#ready ??= this.#pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.#table} (
           scope text NOT NULL, id text NOT NULL, state text NOT NULL, owner text NOT NULL,
           expires_at timestamptz NOT NULL, PRIMARY KEY (scope, id))`,
      )
      .then(
        () => undefined,
        (error: { code?: string }) => {
          // Two processes creating the table at once: the loser's error means it exists now.
          if (error.code !== '23505' && error.code !== '42P07') throw error;
        },
      );
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready;
  }
}
