// Bad input on the wire: a plain client (amqplib, kafkajs) publishes what anymq did not produce.
// Each undecodable or invalid message goes to the dead-letter queue with the reason; the consumer
// keeps going; a valid message without anymq's headers (a plain producer's) is simply handled.
import { Inbox } from '@anymq/contract';
import { type ConfigInput, type Message, bytesCodec, connect } from '@anymq/core';
import { connect as amqpConnect } from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it, type TestContext } from 'vitest';
import { z } from 'zod';
import { recordRow } from './reliability.ts';

const backends = inject('backends');
const T = 30_000;

interface RawMessage {
  readonly body: Buffer;
  readonly contentType?: string;
}
type PlainPublisher = (queue: string, messages: RawMessage[]) => Promise<void>;

async function amqplibPublisher(ctx: TestContext): Promise<PlainPublisher> {
  const connection = await amqpConnect(inject('rabbitmqUrl'));
  ctx.onTestFinished(() => connection.close());
  const channel = await connection.createConfirmChannel();
  return async (queue, messages) => {
    // anymq's exchange for the queue: what a plain program publishing to anymq's queues uses.
    for (const m of messages) channel.publish(queue, '', m.body, m.contentType ? { contentType: m.contentType } : {});
    await channel.waitForConfirms();
  };
}

async function kafkajsPublisher(ctx: TestContext): Promise<PlainPublisher> {
  const producer = new Kafka({ brokers: inject('kafkaBrokers'), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  ctx.onTestFinished(() => producer.disconnect());
  return async (queue, messages) => {
    const records = messages.map((m) => ({
      key: 'one-partition',
      value: m.body,
      ...(m.contentType ? { headers: { 'content-type': m.contentType } } : {}),
    }));
    await producer.send({ topic: queue, messages: records });
  };
}

const cases = [
  {
    backend: 'rabbitmq',
    config: (): ConfigInput => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }),
    publisher: amqplibPublisher,
  },
  {
    backend: 'kafka',
    config: (): ConfigInput => ({ backend: 'kafka', brokers: inject('kafkaBrokers') }),
    publisher: kafkajsPublisher,
  },
];

for (const { backend, config, publisher } of cases) {
  describe.runIf(backends.includes(backend))(`${backend}: bad input from a plain client`, () => {
    it(
      'each bad message goes to the dead-letter queue with its reason; the consumer keeps going',
      { timeout: 120_000 },
      async (ctx) => {
        const mq = await connect(config());
        ctx.onTestFinished(() => mq.close());
        const name = `bad-${randomUUID().slice(0, 8)}`;
        const schema = z.object({ order: z.number().int() });
        const dead = new Inbox<Message<Uint8Array>>();
        await mq
          .queue(`${name}.dlq`, { codec: bytesCodec })
          .consumer({ group: 'ops' })
          .run((m) => dead.push(m));
        const handled = new Inbox<{ order: number }>();
        await mq
          .queue(name, { schema })
          .consumer({ group: 'g' })
          .run((m) => handled.push(m.body));
        const publish = await publisher(ctx);
        await publish(name, [
          { body: Buffer.from('{"order": 1'), contentType: 'application/json' }, // not valid JSON
          { body: Buffer.from('{"order": 2}'), contentType: 'text/plain' }, // parses, but says it is text
          { body: Buffer.from([0xff, 0xfe, 0x00]), contentType: 'application/json' }, // not UTF-8
          { body: Buffer.from('{"order": "three"}'), contentType: 'application/json' }, // fails the schema
          { body: Buffer.from('{"order": 5}') }, // a plain producer's message: no headers at all
          { body: Buffer.from('{"order": 6}'), contentType: 'application/json; charset=utf-8' },
        ]);
        const deadLetters = await dead.waitFor(4, 'the four bad messages in the dead-letter queue', T);
        expect((await handled.waitFor(2, 'the two good messages', T)).map((b) => b.order).sort()).toEqual([5, 6]);
        const reasons = Object.fromEntries(
          deadLetters.map((m) => [
            Buffer.from(m.body).toString('latin1'),
            `${m.headers['x-anymq-error-code']}: ${m.headers['x-anymq-error']}`,
          ]),
        );
        expect(reasons['{"order": 1']).toMatch(/^DECODE_FAILED: body is not valid UTF-8 JSON/);
        expect(reasons['{"order": 2}']).toMatch(
          /^DECODE_FAILED: content type "text\/plain" is not "application\/json"/,
        );
        expect(reasons[Buffer.from([0xff, 0xfe, 0x00]).toString('latin1')]).toMatch(/^DECODE_FAILED/);
        expect(reasons['{"order": "three"}']).toMatch(/^VALIDATION_FAILED: .*order/);
        for (const m of deadLetters)
          expect(m.headers).toMatchObject({
            'x-anymq-origin-queue': name,
            'x-anymq-origin-group': 'g',
            'x-anymq-origin-attempt': '1',
          });
        recordRow({
          scenario: 'bad input from a plain client',
          backend,
          sent: 6,
          delivered: deadLetters.length + handled.items.length,
          lost: 6 - deadLetters.length - handled.items.length,
          duplicated: 0,
          recoveryMs: null,
          notes:
            '4 dead-lettered with the reason (bad JSON, text/plain, not UTF-8, schema), 2 handled (no headers; charset parameter)',
        });
      },
    );
  });
}
