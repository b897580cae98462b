import { connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { startKafka } from './kafka-broker.js';
import { until } from './until.js';

const selected = inject('backends').includes('kafka');

describe.runIf(selected)('kafka broker restart', () => {
  it('delivers every acknowledged send, and the consumer resumes from committed offsets', { timeout: 360_000 }, async (ctx) => {
    if (process.env.ANYMQ_KAFKA_BROKERS) ctx.skip('not applicable: needs a container to restart (ANYMQ_KAFKA_BROKERS is set)');
    const broker = await startKafka();
    ctx.onTestFinished(() => broker.stop());
    const mq = await connect({ backend: 'kafka', brokers: broker.brokers });
    ctx.onTestFinished(() => mq.close());
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
    const total = 3000;
    const acknowledged: number[] = [];
    const failures: unknown[] = [];
    const producing = (async () => {
      for (let start = 0; start < total; start += 50) {
        const batch = Array.from({ length: 50 }, (_, i) => start + i);
        const outcomes = await Promise.allSettled(batch.map((n) => producer.send(n, { key: `k${n % 7}` })));
        outcomes.forEach((outcome, i) =>
          outcome.status === 'fulfilled' ? acknowledged.push(batch[i] as number) : failures.push(outcome.reason),
        );
      }
    })();

    await until(() => acknowledged.length >= 500, '500 acknowledged sends before the restart', 60_000);
    const restartStarted = Date.now();
    await broker.restart();
    const restartMs = Date.now() - restartStarted;
    restarted = true;
    await producing;
    await until(() => acknowledged.every((n) => received.has(n)), 'every acknowledged message to arrive', 180_000);
    console.log(
      `kafka restart: broker back in ${restartMs} ms; ${acknowledged.length} acknowledged, ${failures.length} sends failed ` +
        `(${String((failures[0] as Error | undefined)?.message ?? 'none')}), ${received.size} distinct received, ` +
        `${deliveries - received.size} redelivered duplicates`,
    );
    expect(acknowledged.every((n) => received.has(n))).toBe(true);
    expect(deliveriesAfterRestart).toBeGreaterThan(0);
  });
});
