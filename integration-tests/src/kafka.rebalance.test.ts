import { type Consumer, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { until } from './until.ts';

const selected = inject('backends').includes('kafka');

describe.runIf(selected)('kafka consumer-group rebalances', () => {
  it('loses nothing while members join and leave mid-stream', { timeout: 240_000 }, async (ctx) => {
    const mq = await connect({ backend: 'kafka', brokers: inject('kafkaBrokers'), partitions: 6 });
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<number>(`rebalance-${randomUUID().slice(0, 8)}`);
    const received = new Set<number>();
    let deliveries = 0;
    const member = async (): Promise<Consumer<number>> => {
      const consumer = queue.consumer({ group: 'workers', concurrency: 8 });
      await consumer.run(async (m) => {
        await new Promise((resolve) => setImmediate(resolve));
        deliveries++;
        received.add(m.body);
      });
      return consumer;
    };

    const members = [await member()];
    const producer = queue.producer();
    const total = 3000;
    const producing = (async () => {
      for (let start = 0; start < total; start += 100) {
        await producer.sendBatch(
          Array.from({ length: 100 }, (_, i) => ({ body: start + i, key: `k${(start + i) % 17}` })),
        );
        await new Promise((resolve) => setTimeout(resolve, 20)); // a steady stream, not one burst
      }
    })();
    // Two members join, then two leave, while the stream flows.
    await until(() => received.size >= 300, '300 messages before the first join', 60_000);
    members.push(await member());
    await until(() => received.size >= 900, '900 messages before the second join', 60_000);
    members.push(await member());
    await until(() => received.size >= 1500, '1500 messages before the first leave', 60_000);
    await members.shift()?.close();
    await until(() => received.size >= 2100, '2100 messages before the second leave', 60_000);
    await members.shift()?.close();
    await producing;
    await until(() => received.size === total, `all ${total} messages`, 120_000);
    console.log(
      `rebalance: ${total} sent, ${received.size} distinct received, ${deliveries - received.size} redelivered duplicates`,
    );
    expect(received.size).toBe(total);
  });
});
