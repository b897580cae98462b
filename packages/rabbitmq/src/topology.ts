import { ConfigError } from '@anymq/core/transport';

/**
 * How anymq names map onto RabbitMQ objects.
 * - queue `orders`: a durable topic exchange `orders`;
 * - group `billing` of it: a durable queue `orders.billing` bound to the exchange with `#`;
 * - its retries after 200 ms: a queue `orders.billing.retry.200` whose messages expire after 200 ms
 *   and are dead-lettered straight back to `orders.billing` (only this group sees them again);
 * - `delayMs: 5000` on send: a queue `orders.delay.5000` that dead-letters into the exchange;
 * - dead letters: one plain durable queue `orders.dlq`. Every consumer of `orders.dlq` competes
 *   for its messages, whatever its group, so nothing dead-lettered waits for a group to exist.
 */
export const DEAD_LETTER_SUFFIX = '.dlq';

export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith(DEAD_LETTER_SUFFIX);
}

/** The queue a group reads (`<queue>.<group>`); the dead-letter queue is its own. */
export function groupQueueName(queue: string, group: string): string {
  if (isDeadLetterQueue(queue)) return queue;
  if (group === 'dlq') {
    throw new ConfigError(
      'group name "dlq" is reserved on RabbitMQ: its queue would be the dead-letter queue. Fix: choose another group name.',
      { field: 'group' },
    );
  }
  return `${queue}.${group}`;
}

/** The TTL queue where a group's retries wait `delayMs` before they dead-letter back to it. */
export function retryQueueName(groupQueue: string, delayMs: number): string {
  return `${groupQueue}.retry.${delayMs}`;
}

/** The TTL queue where sends delayed by `delayMs` wait before they reach the queue's groups. */
export function delayQueueName(queue: string, delayMs: number): string {
  return `${queue}.delay.${delayMs}`;
}

/**
 * Rounds a delay up to two significant digits (137 → 140, 23456 → 24000), so that jittered
 * backoff reuses a bounded set of TTL queues instead of one per millisecond value. Never shorter
 * than asked.
 */
export function delayBucket(delayMs: number): number {
  if (delayMs <= 0) return 0;
  const ms = Math.ceil(delayMs);
  const scale = 10 ** Math.max(0, Math.floor(Math.log10(ms)) - 1);
  return Math.ceil(ms / scale) * scale;
}

/** An unused TTL queue deletes itself this long after its TTL, so old buckets do not pile up. */
export function ttlQueueExpiry(delayMs: number): number {
  return delayMs + 60_000;
}
