import { ConfigError } from './errors.js';

/** How a consumer retries a failed message before dead-lettering it. */
export interface RetryOptions {
  /** Total deliveries, the first included. 1 means no retry. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry. Default 100 ms. */
  initialDelayMs?: number;
  /** Growth of the delay per attempt. Default 2. */
  multiplier?: number;
  /** Upper bound of any delay. Default 30 s. */
  maxDelayMs?: number;
  /** Fraction of the delay that is randomised, 0 to 1 ("equal jitter"). Default 0.2. */
  jitter?: number;
  /** Which errors are worth retrying; the rest are dead-lettered at once. Default: all. */
  retryable?: (error: Error) => boolean;
}

/** A consumer's retry decisions, from `retryPolicy(options)`. */
export interface RetryPolicy {
  /** Total deliveries, the first included. */
  readonly maxAttempts: number;
  /** Whether a message that failed on `attempt` (1-based) with `error` gets another attempt. */
  shouldRetry(error: Error, attempt: number): boolean;
  /** The delay before the attempt that follows failed attempt `attempt` (1-based). */
  delayMs(attempt: number): number;
}

/** The exponential backoff with jitter that consumers use; `random` is for tests. */
export function retryPolicy(options: RetryOptions = {}, random: () => number = Math.random): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? 5;
  const initialDelayMs = options.initialDelayMs ?? 100;
  const multiplier = options.multiplier ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const jitter = options.jitter ?? 0.2;
  const retryable = options.retryable ?? (() => true);
  check(Number.isInteger(maxAttempts) && maxAttempts >= 1, 'retry.maxAttempts', 'a whole number of at least 1');
  check(initialDelayMs >= 0, 'retry.initialDelayMs', 'zero or more milliseconds');
  check(multiplier >= 1, 'retry.multiplier', 'a number of at least 1');
  check(maxDelayMs >= initialDelayMs, 'retry.maxDelayMs', 'at least retry.initialDelayMs');
  check(jitter >= 0 && jitter <= 1, 'retry.jitter', 'a fraction from 0 to 1');

  return {
    maxAttempts,
    shouldRetry: (error, attempt) => attempt < maxAttempts && retryable(error),
    delayMs(attempt) {
      const exponential = initialDelayMs * multiplier ** Math.max(0, attempt - 1);
      const capped = Math.min(maxDelayMs, exponential);
      // Equal jitter: keep (1 - jitter) of the delay, randomise the rest, never above the cap.
      return Math.round(capped * (1 - jitter) + capped * jitter * random());
    },
  };
}

function check(ok: boolean, field: string, expected: string): void {
  if (!ok) throw new ConfigError(`consumer option "${field}" must be ${expected}.`, { field });
}
