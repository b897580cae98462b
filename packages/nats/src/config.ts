import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The NATS JetStream backend's own config options (zod): what `connect()` validates and types. */
export const natsOptions = z.strictObject({
  /** `host:port` of one or more NATS servers with JetStream enabled. */
  servers: z.array(z.string().regex(/^[^\s/:@]+:\d+$/, 'must be host:port')).min(1),
  /** User and password, or a token: from `nats://user:pass@host:4222` or set here. */
  user: z.string().min(1).optional(),
  pass: z.string().optional(),
  token: z.string().min(1).optional(),
  /** How long connect() waits for the first connection before a ConnectionError. Default 5000. */
  connectTimeoutMs: positiveInt.optional(),
  /**
   * How long the server waits for a delivery's ack before it delivers it again (the consumer's
   * `ack_wait`). A running handler keeps its message with progress acks, so this bounds how long a
   * crashed consumer's messages wait. Default 30 s.
   */
  ackWaitMs: positiveInt.optional(),
  /**
   * How long a send keeps trying while the server does not answer (restarting, JetStream electing a
   * leader) before a ConnectionError. Safe to retry: the server drops a resend with the same id. Default 30 s.
   */
  publishTimeoutMs: positiveInt.optional(),
  /** Replicas of the streams anymq creates (1 for a single server). Default 1. */
  replicas: positiveInt.optional(),
  /** Largest body a send accepts; keep it under the server's max_payload (1 MiB by default) less headers. Default 1,000,000. */
  maxMessageBytes: positiveInt.optional(),
});

/** A validated NATS config, as the transport receives it. */
export type NatsConfig = { backend: 'nats' } & z.output<typeof natsOptions>;
