import { Inbox } from '@anymq/contract';
import { ConnectionError, type Message, PublishError, TopologyError, connect } from '@anymq/core';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, inject, it, type TestContext } from 'vitest';

const selected = inject('backends').includes('kafka');
const T = 30_000;
const fresh = (label: string) => `it-${label}-${randomUUID().slice(0, 8)}`;

async function client(ctx: TestContext, extra: { maxMessageBytes?: number; replicationFactor?: number } = {}) {
  const mq = await connect({ backend: 'kafka', brokers: inject('kafkaBrokers'), ...extra });
  ctx.onTestFinished(() => mq.close());
  return mq;
}

function plainKafka() {
  return new Kafka({ brokers: inject('kafkaBrokers'), logLevel: logLevel.NOTHING });
}

describe.runIf(selected)('kafka adapter', () => {
  it('a round trip prints no TimeoutNegativeWarning (a kafkajs bug, patched)', async (ctx) => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    ctx.onTestFinished(() => void process.off('warning', onWarning));
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('warnings'));
    const inbox = new Inbox<number>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    await queue.producer().send(1);
    await inbox.waitFor(1, 'the message', T);
    await mq.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.startsWith('TimeoutNegativeWarning'))).toEqual([]);
  });

  it('consumes what plain kafkajs produced', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('interop-in'));
    const inbox = new Inbox<Message<{ order: number }>>();
    await queue.consumer({ group: 'billing' }).run((m) => inbox.push(m));
    const producer = plainKafka().producer();
    await producer.connect();
    ctx.onTestFinished(() => producer.disconnect());
    await producer.send({
      topic: queue.name,
      messages: [{ key: 'customer-9', value: JSON.stringify({ order: 1 }), headers: { source: 'legacy' } }],
    });
    const [message] = await inbox.waitFor(1, 'the plain message', T);
    expect(message?.body).toEqual({ order: 1 });
    expect(message?.key).toBe('customer-9');
    expect(message?.headers).toMatchObject({ source: 'legacy' });
    expect(message?.id).toMatch(new RegExp(`^${queue.name}/\\d+/\\d+$`));
  });

  it('sends what plain kafkajs reads, with key, timestamp and the documented headers', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('interop-out'));
    const { id } = await queue.producer().send({ order: 2 }, { key: 'customer-4', headers: { tenant: 'acme' } });
    const consumer = plainKafka().consumer({ groupId: `plain-${randomUUID()}` });
    await consumer.connect();
    ctx.onTestFinished(() => consumer.disconnect());
    await consumer.subscribe({ topic: queue.name, fromBeginning: true });
    const inbox = new Inbox<{ key: string; value: string; headers: Record<string, string>; timestamp: number }>();
    await consumer.run({
      eachMessage: async ({ message }) =>
        inbox.push({
          key: String(message.key),
          value: String(message.value),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          timestamp: Number(message.timestamp),
        }),
    });
    const [record] = await inbox.waitFor(1, 'the anymq message at a plain consumer', T);
    expect(JSON.parse(record?.value ?? '')).toEqual({ order: 2 });
    expect(record?.key).toBe('customer-4');
    expect(record?.headers).toMatchObject({ tenant: 'acme', 'x-anymq-id': id, 'content-type': 'application/json' });
    expect(record?.timestamp).toBeGreaterThan(Date.now() - 60_000);
  });

  // The contract suite checks anymq's own limit (maxMessageBytes); this is the broker's refusal,
  // for a client configured with a limit above the broker's.
  it('a body the broker refuses fails the send with PublishError naming its setting; its neighbours arrive', async (ctx) => {
    const mq = await client(ctx, { maxMessageBytes: 5_000_000 });
    const queue = mq.queue<Uint8Array>(fresh('too-large'), { codec: (await import('@anymq/core')).bytesCodec });
    const inbox = new Inbox<number>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body.length));
    const producer = queue.producer();
    await producer.send(Buffer.alloc(10));
    const error = await producer.send(randomBytes(2 * 1024 * 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain('message.max.bytes');
    await producer.send(Buffer.alloc(20));
    await inbox.waitFor(2, 'the messages around the large one', T);
    expect(inbox.items).toEqual([10, 20]);
  });

  it('a topic the broker will not create is a TopologyError from send and run, not a PublishError', async (ctx) => {
    const mq = await client(ctx, { replicationFactor: 3 }); // one broker here
    const queue = mq.queue(fresh('no-topic'));
    for (const attempt of [
      () => queue.producer().send('x'),
      () => queue.consumer({ group: 'g' }).run(() => undefined),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TopologyError);
      expect(error).toMatchObject({ code: 'TOPOLOGY_FAILED' });
      expect((error as Error).message).toContain(`could not create the topics ${queue.name}`);
    }
  });

  it('a burst of 10 KiB sends is split into requests the broker accepts', async (ctx) => {
    const mq = await client(ctx);
    const { bytesCodec } = await import('@anymq/core');
    const queue = mq.queue<Uint8Array>(fresh('burst'), { codec: bytesCodec });
    const inbox = new Inbox<number>();
    await queue.consumer({ group: 'g', concurrency: 64 }).run((m) => inbox.push(m.body.length));
    const producer = queue.producer();
    await Promise.all(Array.from({ length: 500 }, () => producer.send(Buffer.alloc(10_240, 1))));
    await inbox.waitFor(500, 'all 500 large messages', T);
    expect(new Set(inbox.items)).toEqual(new Set([10_240]));
  });

  it('an unreachable broker is a ConnectionError naming the brokers', async () => {
    const error = await connect({ backend: 'kafka', brokers: ['127.0.0.1:1'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('127.0.0.1:1');
  }, 120_000);
});
