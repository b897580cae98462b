/**
 * `@anymq/core`: the application's API. Adapter authors import `@anymq/core/transport` as well.
 */
export { connect, type Client, type ConnectOptions } from './client.js';
export type { Queue, QueueOptions } from './queue.js';
export type { Producer, ProducerOptions } from './producer.js';
export type { Consumer, ConsumerOptions, Handler } from './consumer.js';
export type { BatchHandler, BatchOptions } from './batcher.js';
export type { Message, SendOptions, SendResult } from './message.js';
export type { RequestOptions } from './requester.js';
export { resolveConfig, validateConfig, type ConfigInput, type ResolveOptions, type ResolvedConfig } from './config.js';
export type { Adapter, AdapterConfigs, AnymqConfig, BackendConfig } from './adapter.js';
export { registerAdapter } from './adapter-loader.js';
export type { Capabilities, InspectionCapabilities, QueueInspection, GroupInspection } from './transport.js';
export type { Health } from './health.js';
export { jsonCodec, bytesCodec, type Codec } from './codec.js';
export {
  CLOUD_EVENTS_JSON,
  type CloudEventsOptions,
  type CloudEventSendOptions,
  type CloudEventAttributes,
} from './cloud-events.js';
export { HeaderNames, RESERVED_HEADER_PREFIX } from './headers.js';
export { retryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';
export { MemoryIdempotencyStore, type IdempotencyStore, type ClaimResult } from './idempotency-store.js';
export type { Observer } from './observer.js';
export type { Middleware, SendContext, OutgoingView, HandleContext, Outcome, SettleTiming } from './middleware.js';
export type { StandardSchemaV1 } from './schema.js';
export { redactUrl, redactConfig } from './redact.js';
export {
  AnymqError,
  ConfigError,
  ValidationError,
  CodecError,
  ConnectionError,
  PublishError,
  ClosedError,
  TopologyError,
  AccessDeniedError,
  HandlerError,
  HandlerTimeoutError,
  AttemptsExhaustedError,
  EnvelopeError,
  ExpiredError,
  RequestTimeoutError,
  RequestFailedError,
  type ErrorCode,
} from './errors.js';
