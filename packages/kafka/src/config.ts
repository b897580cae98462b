import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The Kafka backend's own config options (zod): what `connect()` validates and types. */
export const kafkaOptions = z.strictObject({
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

/** A validated kafka config, as the transport receives it. */
export type KafkaConfig = { backend: 'kafka' } & z.output<typeof kafkaOptions>;
