import { patchKafkajs } from './kafkajs-patch.js';

interface KafkajsRequestQueue {
  pending: unknown[];
  throttledUntil: number;
}

/**
 * Works around a kafkajs 2.2.4 bug: with nothing pending and no throttle, RequestQueue schedules
 * its next check at `throttledUntil - Date.now()` with `throttledUntil` = -1, a negative delay, and
 * Node prints a TimeoutNegativeWarning in every process that uses Kafka. With nothing pending and
 * no throttle that check has nothing to do, so it is not scheduled.
 */
export function installRequestQueueFix(): void {
  patchKafkajs<KafkajsRequestQueue>(
    'src/network/requestQueue/index.js',
    'scheduleCheckPendingRequests',
    (schedule) =>
      function scheduleOnlyWhenDue(this: KafkajsRequestQueue) {
        if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
        return schedule.call(this);
      },
  );
}
