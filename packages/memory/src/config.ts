import { z } from 'zod';
import type { TimerFunctions } from './timers.js';

const positiveInt = z.number().int().positive();

/** The in-process backend's own config options (zod): what `connect()` validates and types. */
export const memoryOptions = z.strictObject({
  /** Most messages one queue holds before `send` waits (backpressure). Unbounded when absent. */
  capacity: positiveInt.optional(),
  /** Deliver waiting messages by `priority` (send option), 0 to this (at most 255). Default: in order sent. */
  maxPriority: z.number().int().min(1).max(255).optional(),
  /**
   * Where delayed sends and retry backoff take their time from: a fake clock in tests
   * (`@anymq/testing`'s `memoryWithFakeClock`). Default: the process's timers. Not in a URL.
   */
  timers: z
    .custom<TimerFunctions>(
      (value) =>
        typeof (value as TimerFunctions | undefined)?.setTimeout === 'function' &&
        typeof (value as TimerFunctions | undefined)?.clearTimeout === 'function',
      { message: 'expected an object with setTimeout and clearTimeout functions' },
    )
    .optional(),
});

/** A validated memory config, as the transport receives it. */
export type MemoryConfig = { backend: 'memory' } & z.output<typeof memoryOptions>;
