import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const memoryConfigSchema = z.strictObject({
  backend: z.literal('memory'),
  /** Most messages one queue holds before `send` waits (backpressure). Unbounded when absent. */
  capacity: positiveInt.optional(),
});

export const rabbitmqConfigSchema = z.strictObject({
  backend: z.literal('rabbitmq'),
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
  /** One member of a group receives at a time (RabbitMQ single active consumer): order survives failover. */
  singleActiveConsumer: z.boolean().optional(),
  /** TLS options passed to amqplib for `amqps://` (ca, cert, key, passphrase, servername). */
  tls: z.record(z.string(), z.unknown()).optional(),
  /** Largest body a send accepts; match the broker's max_message_size. Default 128 MiB (RabbitMQ's default). */
  maxMessageBytes: positiveInt.optional(),
});

export const kafkaConfigSchema = z.strictObject({
  backend: z.literal('kafka'),
  /** `host:port` of one or more brokers. */
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1),
  /** How long connect() waits for the first connection before a ConnectionError. Default 5000. */
  connectTimeoutMs: positiveInt.optional(),
  clientId: z.string().min(1).optional(),
  /** Partitions of topics that anymq creates. */
  partitions: positiveInt.optional(),
  /** Replication factor of topics that anymq creates. */
  replicationFactor: positiveInt.optional(),
  compression: z.enum(['none', 'gzip']).optional(),
  /** Largest body a send accepts; match the topic's max.message.bytes. Default 1,000,000 (Kafka's default, less overhead). */
  maxMessageBytes: positiveInt.optional(),
  ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string(),
      password: z.string(),
    })
    .optional(),
});

export const zeromqConfigSchema = z.strictObject({
  backend: z.literal('zeromq'),
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

/** One schema for every backend: a discriminated union on `backend`. */
export const configSchema = z.discriminatedUnion('backend', [
  memoryConfigSchema,
  rabbitmqConfigSchema,
  kafkaConfigSchema,
  zeromqConfigSchema,
]);

export type AnymqConfig = z.infer<typeof configSchema>;
export type Backend = AnymqConfig['backend'];
export type BackendConfig<B extends Backend> = Extract<AnymqConfig, { backend: B }>;

export const backends = configSchema.options.map((option) => option.shape.backend.value);

/** The schema of one backend, for its option names and types. */
export function backendSchema(backend: Backend) {
  const schema = configSchema.options.find((option) => option.shape.backend.value === backend);
  if (!schema) throw new Error(`unreachable: no schema for backend ${backend}`);
  return schema;
}
