/**
 * `@anymq/core/transport`: what an adapter author needs, apart from what applications use. The
 * transport SPI, the plug-in definition, the wire's header names and parsing bounds, and the
 * helpers every adapter shares. Applications import `@anymq/core`.
 */
export type {
  Transport,
  Capabilities,
  Delivery,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  InspectionCapabilities,
  QueueInspection,
  GroupInspection,
} from './transport.js';
export { defineAdapter, type Adapter, type AdapterUrl, type AdapterConfigs } from './adapter.js';
export { adapterPackage } from './adapter-loader.js';
export { HeaderNames, RESERVED_HEADER_PREFIX, BOOKKEEPING_HEADERS } from './headers.js';
export { readWireCount, readAttempt, ignoredHeader, MAX_WIRE_COUNT } from './wire-count.js';
export { connectWithin, DEFAULT_CONNECT_TIMEOUT_MS } from './connect-timeout.js';
export { redactUrl, redactConfig } from './redact.js';
export { assertName } from './names.js';
export {
  AnymqError,
  ConfigError,
  ConnectionError,
  PublishError,
  ClosedError,
  TopologyError,
  AccessDeniedError,
  type ErrorCode,
} from './errors.js';
