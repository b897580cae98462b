import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The RabbitMQ backend's own config options (zod): what `connect()` validates and types. */
export const rabbitmqOptions = z.strictObject({
  /** `amqp://user:pass@host:port/vhost` or `amqps://…`. */
  url: z.string().regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://'),
  /** How long connect() waits for the first connection before a ConnectionError. Default 5000. */
  connectTimeoutMs: positiveInt.optional(),
  /** `quorum` queues replicate; `classic` queues are what RabbitMQ has always had. */
  queueType: z.enum(['quorum', 'classic']).optional(),
  /** Heartbeat interval in seconds; a frozen broker is noticed after about twice this. */
  heartbeatSeconds: positiveInt.optional(),
  /** Most unconfirmed publishes in flight on the confirm channel. Default 1000. */
  publishWindow: positiveInt.optional(),
  /** How long a send waits for the broker (including a reconnect) before a ConnectionError. Default 30 s. */
  publishTimeoutMs: positiveInt.optional(),
  /** Fail a send with PublishError when no consumer group's queue is bound yet. Default false. */
  mandatory: z.boolean().optional(),
  /**
   * Group queues deliver waiting messages by `priority` (send option), 0 to this (RabbitMQ's
   * `x-max-priority`, at most 255; keep it small, say 10: each level costs the broker). Classic
   * queues only. A queue declared without it must be deleted to get it.
   */
  maxPriority: z.number().int().min(1).max(255).optional(),
  /** One member of a group receives at a time (RabbitMQ single active consumer): order survives failover. */
  singleActiveConsumer: z.boolean().optional(),
  /** TLS options passed to amqplib for `amqps://` (ca, cert, key, passphrase, servername). */
  tls: z.record(z.string(), z.unknown()).optional(),
  /** Largest body a send accepts; match the broker's max_message_size. Default 128 MiB (RabbitMQ's default). */
  maxMessageBytes: positiveInt.optional(),
});

/** A validated rabbitmq config, as the transport receives it. */
export type RabbitmqConfig = { backend: 'rabbitmq' } & z.output<typeof rabbitmqOptions>;
