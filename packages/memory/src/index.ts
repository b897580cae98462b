import type { BackendConfig } from '@anymq/core';
import { MemoryTransport } from './memory-transport.js';

export { MemoryTransport, memoryCapabilities, type MemoryTransportOptions } from './memory-transport.js';
export type { MemoryDelivery } from './memory-queue.js';
export { RingBuffer } from './ring-buffer.js';

/** Called by `connect({ backend: 'memory' })`. */
export function createTransport(config: BackendConfig<'memory'>): MemoryTransport {
  return new MemoryTransport(config.capacity === undefined ? {} : { capacity: config.capacity });
}
