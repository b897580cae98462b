// Request-reply on every real broker, checked from outside anymq: after the requesting client
// closes, nothing of its reply queue is left on the broker (exchange and queues, topics, keys,
// streams), as the broker's own tools see it.
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect, HeaderNames } from '@anymq/core';
import { groupQueueName } from '@anymq/rabbitmq';
import { streamName } from '@anymq/nats';
import { Inbox } from '@anymq/testing';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { RealBackend } from './backends.ts';
import { brokerUrls } from './broker-urls.ts';

const T = 30_000;

/** What the broker still holds of queue `name` with group `group`, as its own client lists it. */
const leftovers: Record<RealBackend, (name: string, group: string) => Promise<string[]>> = {
  async rabbitmq(name, group) {
    const connection = await amqpConnect(inject('rabbitmqUrl'));
    const found: string[] = [];
    try {
      for (const [kind, object] of [
        ['exchange', name],
        ['queue', groupQueueName(name, group)],
        ['queue', `${name}.dlq`],
      ] as const) {
        // A passive check of a missing object closes the channel with 404: one channel per check.
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        const exists = await (kind === 'exchange' ? channel.checkExchange(object) : channel.checkQueue(object)).then(
          () => true,
          () => false,
        );
        if (exists) found.push(`${kind} ${object}`);
        await channel.close().catch(() => undefined);
      }
    } finally {
      await connection.close();
    }
    return found;
  },
  async kafka(name) {
    const admin = new Kafka({ brokers: inject('kafkaBrokers'), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((topic) => topic.includes(name));
    } finally {
      await admin.disconnect();
    }
  },
  async nats(name) {
    const nc = await natsConnect({ servers: inject('natsServers') });
    try {
      const found: string[] = [];
      for (const stream of [streamName(name), streamName(`${name}.dlq`)]) {
        const reply = await nc.request(`$JS.API.STREAM.INFO.${stream}`, undefined, { timeout: 5_000 });
        const answer = reply.json<{ error?: { code: number } }>();
        if (answer.error?.code !== 404) found.push(`stream ${stream}`);
      }
      return found;
    } finally {
      await nc.close();
    }
  },
  async redis(name) {
    const redis = new Redis(inject('redisUrl'));
    try {
      return await redis.keys(`*${name}*`);
    } finally {
      redis.disconnect();
    }
  },
};

for (const [backend, url] of brokerUrls) {
  describe.runIf(inject('backends').includes(backend))(`request-reply on ${backend}`, () => {
    it(
      'replies arrive, and the closed client leaves nothing of its reply queue on the broker',
      { timeout: 120_000 },
      async (ctx) => {
        const server = await connect(url());
        const name = `quotes-${randomUUID().slice(0, 8)}`;
        ctx.onTestFinished(async () => {
          await server.deleteQueue(name, { groups: ['pricing'] });
          await server.close();
        });
        const replyQueues = new Inbox<string>();
        await server
          .queue<{ quantity: number }>(name)
          .consumer({ group: 'pricing' })
          .run((m) => {
            replyQueues.push(m.headers[HeaderNames.replyTo] ?? '');
            return { totalCents: m.body.quantity * 250 };
          });

        const client = await connect(url());
        const quotes = client.queue<{ quantity: number }>(name);
        await expect(quotes.request({ quantity: 4 }, { timeoutMs: T })).resolves.toEqual({ totalCents: 1000 });
        await expect(quotes.request({ quantity: 2 }, { timeoutMs: T })).resolves.toEqual({ totalCents: 500 });
        const [replyQueue = ''] = await replyQueues.waitFor(2, 'both requests at the handler', T);
        expect(replyQueues.items[1]).toBe(replyQueue); // one reply queue per client
        expect(await leftovers[backend](replyQueue, 'replies')).not.toEqual([]);

        await client.close();
        expect(await leftovers[backend](replyQueue, 'replies')).toEqual([]);
      },
    );
  });
}
