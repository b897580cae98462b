import { connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { startRabbitmq } from './rabbitmq-broker.js';
import { until } from './until.js';

const selected = inject('backends').includes('rabbitmq');

describe.runIf(selected)('rabbitmq broker restart', () => {
  it('delivers every confirmed message at least once, and the consumer resumes by itself', { timeout: 300_000 }, async (ctx) => {
    if (process.env.ANYMQ_RABBITMQ_URL) ctx.skip('not applicable: needs a container to restart (ANYMQ_RABBITMQ_URL is set)');
    const broker = await startRabbitmq();
    ctx.onTestFinished(() => broker.stop());
    const mq = await connect({ backend: 'rabbitmq', url: broker.url, publishTimeoutMs: 120_000 });
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
    const confirmed: number[] = [];
    const failures: unknown[] = [];
    const producing = (async () => {
      for (let start = 0; start < total; start += 20) {
        const batch = Array.from({ length: 20 }, (_, i) => start + i);
        const outcomes = await Promise.allSettled(batch.map((n) => producer.send(n)));
        outcomes.forEach((outcome, i) =>
          outcome.status === 'fulfilled' ? confirmed.push(batch[i] as number) : failures.push(outcome.reason),
        );
      }
    })();

    await until(() => confirmed.length >= 500, '500 confirmed sends before the restart', 60_000);
    const restartStarted = Date.now();
    await broker.restart();
    const restartMs = Date.now() - restartStarted;
    restarted = true;
    await producing;
    await until(() => confirmed.every((n) => received.has(n)), 'every confirmed message to arrive', 120_000);

    console.log(
      `restart: broker back in ${restartMs} ms; ${confirmed.length} confirmed, ${received.size} distinct received, ` +
        `${deliveries - received.size} redelivered duplicates, ${failures.length} sends failed`,
    );
    expect(failures).toEqual([]); // sends made during the outage waited for the broker
    expect(confirmed).toHaveLength(total);
    expect(deliveriesAfterRestart).toBeGreaterThan(0); // the consumer resumed without help
  });
});
