import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const memoryOptions = z.strictObject({
  /** Most messages one queue holds before `send` waits (backpressure). Unbounded when absent. */
  capacity: positiveInt.optional(),
});

/** A validated memory config, as the transport receives it. */
export type MemoryConfig = { backend: 'memory' } & z.output<typeof memoryOptions>;
