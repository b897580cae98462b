import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The ZeroMQ backend's own config options (zod): what `connect()` validates and types. */
export const zeromqOptions = z.strictObject({
  /** `tcp://host:port` or `ipc://path` of the proxy (brokered) or of the sockets (direct). */
  address: z.string().regex(/^(tcp|ipc):\/\//, 'must start with tcp:// or ipc://'),
  /** How long connect() waits for the first connection before a ConnectionError. Default 5000. */
  connectTimeoutMs: positiveInt.optional(),
  /**
   * `brokered` (default): through anymq-zmq-proxy, with acks, redelivery, groups and dead letters.
   * `push-pull`: raw PUSH/PULL, one group of competing consumers, at-most-once.
   * `pub-sub`: raw PUB/SUB, every consumer gets every message, at-most-once.
   */
  mode: z.enum(['brokered', 'push-pull', 'pub-sub']).optional(),
  /** Send and receive high-water mark, in messages. Default 1000. */
  highWaterMark: positiveInt.optional(),
  /** Brokered: how long a request waits for the proxy before a ConnectionError. Default 30 s. */
  requestTimeoutMs: positiveInt.optional(),
  /** Brokered: heartbeat interval; the proxy drops a client silent for 3 intervals. Default 1 s. */
  heartbeatIntervalMs: positiveInt.optional(),
  /** push-pull and pub-sub: whether this side binds the address (the sending side, usually). Default true. */
  bind: z.boolean().optional(),
});

/** A validated zeromq config, as the transport receives it. */
export type ZeromqConfig = { backend: 'zeromq' } & z.output<typeof zeromqOptions>;
