import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The Redis Streams backend's own config options (zod): what `connect()` validates and types. */
export const redisOptions = z.strictObject({
  /** The Redis server. Default 127.0.0.1:6379. */
  host: z.string().min(1).optional(),
  port: positiveInt.max(65_535).optional(),
  /** ACL user and password, from `redis://user:pass@host:6379` or set here. */
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  /** The logical database (`redis://host:6379/2`). Default 0. */
  db: z.number().int().min(0).optional(),
  /** TLS (`rediss://`). */
  tls: z.boolean().optional(),
  /** How long connect() waits for the server before a ConnectionError. Default 5000. */
  connectTimeoutMs: positiveInt.optional(),
  /**
   * How long a delivery may stay unsettled at a member that stopped answering (killed, cut off)
   * before another member of its group claims it (`XAUTOCLAIM` min-idle). A running handler keeps
   * its message: its member refreshes the claim every third of this. Default 30 s.
   */
  claimTimeoutMs: positiveInt.optional(),
  /**
   * How long a send waits for the server (restarting, failing over) before a ConnectionError; the
   * messages may or may not be stored then. Default 30 s.
   */
  publishTimeoutMs: positiveInt.optional(),
  /**
   * Trims each queue's stream to about this many entries on every send (`XADD MAXLEN ~`). Entries
   * beyond it are dropped even if a group has not read them yet; without it a stream grows until
   * `deleteQueue`. Default: no trimming.
   */
  maxLength: positiveInt.optional(),
  /** Largest body a send accepts. Default 8 MiB (Redis itself takes up to 512 MB, but not quickly). */
  maxMessageBytes: positiveInt.optional(),
  /** Prefix of every key anymq makes. Default `anymq`. */
  keyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,50}$/, 'must be 1 to 50 letters, digits, ".", "-" or "_"')
    .optional(),
});

/** A validated Redis config, as the transport receives it. */
export type RedisConfig = { backend: 'redis' } & z.output<typeof redisOptions>;
