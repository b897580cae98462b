import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { retryPolicy } from './retry-policy.js';

describe('retryPolicy', () => {
  it('grows exponentially up to the cap, without jitter', () => {
    const policy = retryPolicy({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => policy.delayMs(attempt))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps jitter within its fraction of the delay and under the cap', () => {
    const low = retryPolicy({ initialDelayMs: 1000, jitter: 0.5, maxDelayMs: 1000 }, () => 0);
    const high = retryPolicy({ initialDelayMs: 1000, jitter: 0.5, maxDelayMs: 1000 }, () => 0.999999);
    expect(low.delayMs(1)).toBe(500);
    expect(high.delayMs(1)).toBe(1000);
    expect(high.delayMs(10)).toBeLessThanOrEqual(1000);
  });

  it('retries until maxAttempts, and only retryable errors', () => {
    const policy = retryPolicy({ maxAttempts: 3, retryable: (error) => !(error instanceof TypeError) });
    expect(policy.shouldRetry(new Error('x'), 1)).toBe(true);
    expect(policy.shouldRetry(new Error('x'), 2)).toBe(true);
    expect(policy.shouldRetry(new Error('x'), 3)).toBe(false);
    expect(policy.shouldRetry(new TypeError('x'), 1)).toBe(false);
  });

  it('has sensible defaults', () => {
    const policy = retryPolicy({}, () => 0.5);
    expect(policy.maxAttempts).toBe(5);
    expect(policy.delayMs(1)).toBe(90); // 80 fixed + half of the 20 ms jitter
  });

  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ initialDelayMs: -1 }, 'retry.initialDelayMs'],
    [{ multiplier: 0.5 }, 'retry.multiplier'],
    [{ initialDelayMs: 500, maxDelayMs: 100 }, 'retry.maxDelayMs'],
    [{ jitter: 2 }, 'retry.jitter'],
  ])('rejects %j naming %s', (options, field) => {
    expect(() => retryPolicy(options)).toThrow(ConfigError);
    expect(() => retryPolicy(options)).toThrow(field);
  });
});
