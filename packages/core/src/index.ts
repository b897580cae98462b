export { connect, type Client, type ConnectOptions } from './client.js';
export type { Queue, QueueOptions } from './queue.js';
export type { Producer, ProducerOptions } from './producer.js';
export type { Consumer, ConsumerOptions, Handler } from './consumer.js';
export type { Message, SendOptions, SendResult } from './message.js';
export { resolveConfig, validateConfig, parseConfigUrl, configFromEnv, type ConfigInput } from './config.js';
export {
  configSchema,
  backends,
  type AnymqConfig,
  type Backend,
  type BackendConfig,
} from './config-schema.js';
export { adapterPackage, loadTransport } from './adapter-loader.js';
export { jsonCodec, bytesCodec, type Codec } from './codec.js';
export { Headers, RESERVED_HEADER_PREFIX } from './headers.js';
export { retryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';
export { MemoryIdempotencyStore, type IdempotencyStore, type ClaimResult } from './idempotency-store.js';
export type { Observer } from './observer.js';
export type { StandardSchemaV1 } from './schema.js';
export { assertName } from './names.js';
export { readWireCount, ignoredHeader, MAX_WIRE_COUNT } from './wire-count.js';
export { connectWithin, DEFAULT_CONNECT_TIMEOUT_MS } from './connect-timeout.js';
export { redactUrl, redactConfig } from './redact.js';
export {
  AnymqError,
  ConfigError,
  ValidationError,
  CodecError,
  ConnectionError,
  PublishError,
  ClosedError,
  HandlerError,
  HandlerTimeoutError,
  AttemptsExhaustedError,
  EnvelopeError,
  type ErrorCode,
} from './errors.js';
export type {
  Transport,
  Capabilities,
  Delivery,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  AdapterModule,
} from './transport.js';
