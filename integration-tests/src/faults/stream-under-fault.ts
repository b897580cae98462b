import { type ConfigInput, type SendOptions, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { until } from './until.ts';

export interface RestartOutcome {
  readonly restartMs: number;
  readonly acknowledged: number[];
  readonly failures: unknown[];
  readonly received: Set<number>;
  readonly deliveries: number;
  readonly deliveriesAfterRestart: number;
}

/**
 * A producer and a consumer run against a broker; after 500 acknowledged sends the broker restarts;
 * the producer carries on. Resolves once every acknowledged message arrived (bounded), with the
 * figures the tests assert and print.
 */
export async function restartMidStream(
  config: ConfigInput,
  restart: () => Promise<void>,
  options: { total?: number; batch?: number; key?: (n: number) => SendOptions['key'] } = {},
): Promise<RestartOutcome> {
  const total = options.total ?? 3000;
  const batchSize = options.batch ?? 20;
  const mq = await connect(config);
  try {
    const queue = mq.queue<number>(`restart-${randomUUID().slice(0, 8)}`);
    const received = new Set<number>();
    let deliveries = 0;
    let deliveriesAfterRestart = 0;
    let restarted = false;
    await queue.consumer({ group: 'g', concurrency: 16 }).run((m) => {
      deliveries++;
      received.add(m.body);
      if (restarted) deliveriesAfterRestart++;
    });

    const producer = queue.producer();
    const acknowledged: number[] = [];
    const failures: unknown[] = [];
    const producing = (async () => {
      for (let start = 0; start < total; start += batchSize) {
        const batch = Array.from({ length: batchSize }, (_, i) => start + i);
        const outcomes = await Promise.allSettled(batch.map((n) => producer.send(n, { key: options.key?.(n) })));
        outcomes.forEach((outcome, i) =>
          outcome.status === 'fulfilled' ? acknowledged.push(batch[i] as number) : failures.push(outcome.reason),
        );
      }
    })();

    await until(() => acknowledged.length >= 500, '500 acknowledged sends before the restart', 60_000);
    const restartStarted = Date.now();
    await restart();
    const restartMs = Date.now() - restartStarted;
    restarted = true;
    await producing;
    await until(() => acknowledged.every((n) => received.has(n)), 'every acknowledged message to arrive', 180_000);
    return { restartMs, acknowledged, failures, received, deliveries, deliveriesAfterRestart };
  } finally {
    await mq.close();
  }
}

/** One line of figures for the log. */
export function describeOutcome(backend: string, outcome: RestartOutcome): string {
  return (
    `${backend} restart: broker back in ${outcome.restartMs} ms; ${outcome.acknowledged.length} acknowledged, ` +
    `${outcome.failures.length} sends failed, ${outcome.received.size} distinct received, ` +
    `${outcome.deliveries - outcome.received.size} redelivered duplicates`
  );
}
