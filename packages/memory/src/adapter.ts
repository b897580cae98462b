import { defineAdapter } from '@anymq/core/transport';
import type { z } from 'zod';
import { memoryOptions } from './config.js';
import { MemoryTransport } from './memory-transport.js';

/** The memory backend's plug-in, found by `connect('memory://')`, `connect({ backend: 'memory' })`, or no config at all. */
export const adapter = defineAdapter({
  backend: 'memory',
  packageName: '@anymq/memory',
  schemes: ['memory'],
  options: memoryOptions,
  fromUrl: (url) => url.queryOptions(),
  createTransport: ({ capacity, timers, maxPriority }) =>
    new MemoryTransport({
      ...(capacity === undefined ? {} : { capacity }),
      ...(timers === undefined ? {} : { timers }),
      ...(maxPriority === undefined ? {} : { maxPriority }),
    }),
});

declare module '@anymq/core/transport' {
  interface AdapterConfigs {
    memory: z.input<typeof memoryOptions>;
  }
}
