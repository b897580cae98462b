// What programs that are not anymq can send, and anymq must survive without a stall, a crash or a
// loss: headers too large to copy, hostile bookkeeping headers, no ids. Sent with clients that share
// no code with the adapters (Python's pika, kcat). Each test records a row of RELIABILITY.md.
import { Inbox } from '@anymq/contract';
import { type Message, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { python, runClient } from '../run-client.ts';
import { recordRow } from './reliability.ts';

const backends = inject('backends');
const T = 30_000;
const fresh = (label: string) => `foreign-${label}-${randomUUID().slice(0, 8)}`;

describe.runIf(backends.includes('rabbitmq'))('rabbitmq: foreign input from pika', () => {
  const rabbitmq = () => ({ backend: 'rabbitmq' as const, url: inject('rabbitmqUrl') });

  it('hostile input from pika: headers too large to copy, an absurd attempt counter, no message id; nothing stalls', async (ctx) => {
    const ignored = new Inbox<string>();
    const mq = await connect(rabbitmq(), { observer: { onIgnored: (event) => ignored.push(event.ignored.join(' ')) } });
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('pika-hostile'));
    const attempts = new Inbox<{ order: number; attempt: number; id: string }>();
    await queue.consumer({ group: 'g', concurrency: 4, retry: { maxAttempts: 2, initialDelayMs: 10 } }).run((m) => {
      attempts.push({ order: m.body.order, attempt: m.attempt, id: m.id });
      if (m.body.order < 4) throw new Error('fails');
    });
    const dead = new Inbox<Message<{ order: number }>>();
    await mq
      .queue<{ order: number }>(`${queue.name}.dlq`)
      .consumer({ group: 'ops' })
      .run((m) => dead.push(m));
    // 4 failing messages with 100 KiB of headers (over amqplib's 64 KiB), 2 with x-anymq-retries
    // as an AMQP long of 2^62, 10 good ones; none with a message id.
    const script = `
import os, pika
connection = pika.BlockingConnection(pika.URLParameters(os.environ["ANYMQ_URL"]))
channel = connection.channel()
channel.confirm_delivery()
def send(order, headers):
    channel.basic_publish(exchange=os.environ["QUEUE"], routing_key="", body=('{"order": %d}' % order).encode(),
                          properties=pika.BasicProperties(content_type="application/json", headers=headers))
for order in range(4): send(order, {"blob": "x" * 100000, "note": "small"})
for order in range(4, 6): send(order, {"x-anymq-retries": 2 ** 62})
for order in range(6, 16): send(order, {})
connection.close()
`;
    runClient(python, ['-c', script], { ANYMQ_URL: inject('rabbitmqUrl'), QUEUE: queue.name });
    const letters = await dead.waitFor(4, 'the four failing messages, dead-lettered', T);
    const seen = await attempts.waitFor(16 + 4, 'every message and one retry of each failing one', T);
    expect(letters.map((m) => m.body.order).sort()).toEqual([0, 1, 2, 3]);
    for (const letter of letters)
      expect(letter.headers).toMatchObject({
        'x-anymq-headers-dropped': 'blob',
        note: 'small',
        'x-anymq-origin-attempt': '2',
      });
    expect(seen.filter((m) => m.order === 4 || m.order === 5).map((m) => m.attempt)).toEqual([1, 1]);
    // amqplib decodes the AMQP long into a JavaScript number, so its last digits are not exact.
    for (const entry of await ignored.waitFor(2, 'the two absurd counters reported', T))
      expect(entry).toMatch(/^x-anymq-retries=46116860184273\d{5}$/);
    recordRow({
      scenario: 'foreign input: 100 KiB headers, an AMQP long of 2^62 as attempt counter, no message ids (pika)',
      backend: 'rabbitmq',
      sent: 16,
      delivered: new Set(seen.map((m) => m.order)).size,
      lost: 16 - new Set(seen.map((m) => m.order)).size,
      duplicated: 0,
      recoveryMs: null,
      notes:
        '4 failing ones retried and dead-lettered with x-anymq-headers-dropped; absurd counters read as attempt 1 and reported; stalled 0, crashed 0',
    });
    for (const order of [0, 1, 2, 3]) {
      const ids = new Set([
        ...seen.filter((m) => m.order === order).map((m) => m.id),
        letters.find((m) => m.body.order === order)?.id,
      ]);
      expect(ids.size, `one id for message ${order} across its attempts and its dead letter`).toBe(1);
    }
  });
});

describe.runIf(backends.includes('kafka'))('kafka: foreign input from kcat', () => {
  const kafka = () => ({ backend: 'kafka' as const, brokers: inject('kafkaBrokers') });
  const broker = () => inject('kafkaBrokers')[0] as string;

  it('hostile headers from kcat: a not-before far in the future and an absurd attempt counter hold nothing', async (ctx) => {
    const ignored = new Inbox<string>();
    const mq = await connect(kafka(), { observer: { onIgnored: (event) => ignored.push(event.ignored.join(' ')) } });
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('kcat-hostile'));
    const inbox = new Inbox<{ order: number; attempt: number }>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push({ order: m.body.order, attempt: m.attempt }));
    const hostile = ['-H', 'x-anymq-not-before=99999999999999999999', '-H', 'x-anymq-retries=99999999999999999999'];
    const lines = Array.from({ length: 11 }, (_, order) => `{"order": ${order}}`).join('\n');
    // One partition (one key): the hostile record first, ten plain ones behind it.
    runClient(
      'sh',
      ['-c', `printf '%s\\n' '{"order": 0}' | kcat -b "$KAFKA_BROKER" -t "$QUEUE" -P -k one ${hostile.join(' ')}`],
      { KAFKA_BROKER: broker(), QUEUE: queue.name },
    );
    runClient(
      'sh',
      [
        '-c',
        `printf '%s\\n' '${lines.split('\n').slice(1).join("' '")}' | kcat -b "$KAFKA_BROKER" -t "$QUEUE" -P -k one`,
      ],
      { KAFKA_BROKER: broker(), QUEUE: queue.name },
    );
    const seen = await inbox.waitFor(11, 'all 11 records, the hostile one first', T);
    recordRow({
      scenario: 'foreign input: x-anymq-not-before and x-anymq-retries of 99999999999999999999 (kcat)',
      backend: 'kafka',
      sent: 11,
      delivered: new Set(seen.map((m) => m.order)).size,
      lost: 11 - new Set(seen.map((m) => m.order)).size,
      duplicated: seen.length - new Set(seen.map((m) => m.order)).size,
      recoveryMs: null,
      notes:
        'the hostile record and the 10 behind it on its partition handled in order at attempt 1; headers reported as ignored; stalled 0, crashed 0',
    });
    expect(seen.map((m) => m.order)).toEqual(Array.from({ length: 11 }, (_, order) => order));
    expect(seen.every((m) => m.attempt === 1)).toBe(true);
    expect(await ignored.waitFor(1, 'the hostile headers reported', T)).toEqual([
      'x-anymq-not-before=99999999999999999999 x-anymq-retries=99999999999999999999',
    ]);
  });
});
