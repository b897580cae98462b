import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The in-process backend's own config options (zod): what `connect()` validates and types. */
export const memoryOptions = z.strictObject({
  /** Most messages one queue holds before `send` waits (backpressure). Unbounded when absent. */
  capacity: positiveInt.optional(),
});

/** A validated memory config, as the transport receives it. */
export type MemoryConfig = { backend: 'memory' } & z.output<typeof memoryOptions>;
