// Many new queues at once: creating, subscribing and sending to dozens of queues in parallel, as a
// service does at start-up. Topic creation races, metadata not yet propagated and channel limits
// must not lose a message nor leak a raw client error.
import { Inbox } from '@anymq/contract';
import { type ConfigInput, connect } from '@anymq/core';
// The memory backend's config type, beside the brokers' (each adapter adds its own to core's AdapterConfigs).
import type {} from '@anymq/memory';
import { ZmqProxy } from '@anymq/zeromq';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { until } from '../until.ts';
import { recordRow } from './reliability.ts';

const backends = inject('backends');
const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*' });
beforeAll(() => proxy.start());
afterAll(() => proxy.close());

const cases: { backend: string; queues: number; config: () => ConfigInput }[] = [
  { backend: 'memory', queues: 50, config: () => ({ backend: 'memory' }) },
  { backend: 'zeromq brokered', queues: 50, config: () => ({ backend: 'zeromq', address: proxy.endpoint }) },
  { backend: 'rabbitmq', queues: 50, config: () => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }) },
  // Each Kafka queue is three topics and a consumer group of its own: 20 of them is 60 topics.
  { backend: 'kafka', queues: 20, config: () => ({ backend: 'kafka', brokers: inject('kafkaBrokers') }) },
];

for (const { backend, queues, config } of cases) {
  describe.runIf(!['rabbitmq', 'kafka'].includes(backend) || backends.includes(backend))(
    `${backend}: many new queues at once`,
    () => {
      it(
        `${queues} new queues subscribed and sent to in parallel each get their messages`,
        { timeout: 180_000 },
        async (ctx) => {
          const mq = await connect(config());
          ctx.onTestFinished(() => mq.close());
          const prefix = `many-${randomUUID().slice(0, 6)}`;
          const names = Array.from({ length: queues }, (_, i) => `${prefix}-${i}`);
          const inbox = new Inbox<string>();
          const started = Date.now();
          await Promise.all(
            names.map(async (name) => {
              const queue = mq.queue<number>(name);
              await queue.consumer({ group: 'g', concurrency: 4 }).run((m) => inbox.push(`${name}/${m.body}`));
              await queue.producer().sendBatch(Array.from({ length: 5 }, (_, n) => ({ body: n })));
            }),
          );
          const expected = names.flatMap((name) => Array.from({ length: 5 }, (_, n) => `${name}/${n}`));
          await until(
            () => expected.every((item) => inbox.items.includes(item)),
            `5 messages on each of ${queues} queues`,
            120_000,
          );
          const received = inbox.items;
          const distinct = new Set(received);
          recordRow({
            scenario: 'many new queues in parallel',
            backend,
            sent: queues * 5,
            delivered: distinct.size,
            lost: queues * 5 - distinct.size,
            duplicated: received.length - distinct.size,
            recoveryMs: null,
            notes: `${queues} queues created, subscribed and sent to at once; all delivered ${Date.now() - started} ms after the start${backend === 'kafka' && received.length > distinct.size ? "; the duplicates come from resending a request kafkajs' idempotent producer had put out of sequence" : ''}`,
          });
          expect(distinct.size).toBe(queues * 5);
        },
      );
    },
  );
}
