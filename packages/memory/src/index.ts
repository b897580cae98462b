export { adapter } from './adapter.js';
export { memoryOptions, type MemoryConfig } from './config.js';
export { MemoryTransport, memoryCapabilities, type MemoryTransportOptions } from './memory-transport.js';
export type { TimerFunctions } from './timers.js';
export type { MemoryDelivery } from './memory-queue.js';
export { RingBuffer } from './ring-buffer.js';
