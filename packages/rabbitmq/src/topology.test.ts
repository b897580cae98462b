import { ConfigError } from '@anymq/core';
import { describe, expect, it } from 'vitest';
import { delayBucket, delayQueueName, groupQueueName, retryQueueName } from './topology.js';

describe('RabbitMQ topology names', () => {
  it('maps groups, retries, delays and dead letters onto queue names', () => {
    expect(groupQueueName('orders', 'billing')).toBe('orders.billing');
    expect(retryQueueName('orders.billing', 200)).toBe('orders.billing.retry.200');
    expect(delayQueueName('orders', 5000)).toBe('orders.delay.5000');
    // Every consumer of a dead-letter queue reads the one queue.
    expect(groupQueueName('orders.dlq', 'ops')).toBe('orders.dlq');
  });

  it('reserves the group name "dlq"', () => {
    expect(() => groupQueueName('orders', 'dlq')).toThrow(ConfigError);
  });

  it('rounds delays up to two significant digits, never down', () => {
    expect([0, 1, 9, 10, 99, 100, 137, 200, 1999, 23456].map(delayBucket)).toEqual([
      0, 1, 9, 10, 99, 100, 140, 200, 2000, 24000,
    ]);
    for (let ms = 1; ms < 100_000; ms += 7) expect(delayBucket(ms)).toBeGreaterThanOrEqual(ms);
  });
});
