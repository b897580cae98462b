/**
 * How anymq names map onto Kafka topics and groups.
 * - queue `orders`: topic `orders`; its key is the Kafka key, so ordering is per key;
 * - group `billing`: consumer group `orders.billing` (scoped by queue, so that one group name on
 *   two queues never shares a Kafka group);
 * - retries of that group: topic `orders.billing.retry`, read by the same consumer; a message waits
 *   there until its `x-anymq-not-before` time (the partition is paused until then);
 * - `delayMs` on send: topic `orders.delay`, read by every group of `orders` the same way;
 * - dead letters: topic `orders.dlq`, an ordinary queue.
 */
export function kafkaGroupId(queue: string, group: string): string {
  return `${queue}.${group}`;
}

/** The topic that holds a group's retries until they are due. */
export function retryTopic(queue: string, group: string): string {
  return `${queue}.${group}.retry`;
}

/** The topic that holds a queue's delayed sends until they are due. */
export function delayTopic(queue: string): string {
  return `${queue}.delay`;
}
