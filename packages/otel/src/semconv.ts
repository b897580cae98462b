/**
 * The OpenTelemetry messaging semantic conventions this package writes
 * (https://opentelemetry.io/docs/specs/semconv/messaging/), spelled once. They are copied rather
 * than imported from `@opentelemetry/semantic-conventions`, whose messaging names live in its
 * unstable entry point and change between releases.
 */
export const Attr = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  bodySize: 'messaging.message.body.size',
  batchCount: 'messaging.batch.message_count',
  kafkaKey: 'messaging.kafka.message.key',
  rabbitmqRoutingKey: 'messaging.rabbitmq.destination.routing_key',
  errorType: 'error.type',
  /** anymq's own: 1 on the first delivery, 2 on the first retry. */
  attempt: 'anymq.message.attempt',
  /** anymq's own: what became of the message (acked, retried, dead-lettered, …). */
  outcome: 'anymq.outcome',
} as const;

export const Metric = {
  sent: 'messaging.client.sent.messages',
  consumed: 'messaging.client.consumed.messages',
  processDuration: 'messaging.process.duration',
  operationDuration: 'messaging.client.operation.duration',
} as const;

/** Bucket boundaries the conventions recommend for messaging durations, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
