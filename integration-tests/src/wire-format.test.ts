// docs/wire-format.md's snippets, run as they are with clients that share no code with anymq's
// adapters (Python's pika, kcat, plain zeromq.js), in both directions; then what those clients can
// send that anymq must survive: headers too large to copy, hostile bookkeeping headers, no ids.
import { Inbox } from '@anymq/contract';
import { type Message, connect } from '@anymq/core';
import { ZmqDirectTransport } from '@anymq/zeromq';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it, type TestContext } from 'vitest';
import { freePort } from './free-port.ts';

const backends = inject('backends');
const T = 30_000;
const python = '/usr/bin/python3'; // Debian's, where python3-pika is installed
const doc = readFileSync(fileURLToPath(new URL('../../docs/wire-format.md', import.meta.url)), 'utf8');
const fresh = (label: string) => `wire-${label}-${randomUUID().slice(0, 8)}`;

/** The code of the fenced block tagged `wire:<name>` in docs/wire-format.md. */
function snippet(name: string): string {
  const match = new RegExp('```\\w+ wire:' + name + '\\n([\\s\\S]*?)```').exec(doc);
  if (!match) throw new Error(`docs/wire-format.md has no snippet wire:${name}`);
  return match[1] as string;
}

/** Runs a snippet to its end; fails with its output if it fails. */
function run(command: string, args: string[], env: Record<string, string>): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args[0]} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Starts a snippet that reads; resolves once it prints `ready`, with its later lines. */
async function reader(ctx: TestContext, command: string, args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  ctx.onTestFinished(() => void child.kill());
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const lines = new Inbox<string>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => lines.push(line));
  child.once('exit', (code) => {
    if (code !== 0) lines.push(`exited ${code}: ${stderr}`);
  });
  const [first] = await lines.waitFor(1, `${command} to be ready`, T);
  if (first !== 'ready') throw new Error(`${command} did not start: ${first}`);
  return { next: async () => (await lines.waitFor(2, `a line from ${command}`, T))[1] as string };
}

describe.runIf(backends.includes('rabbitmq'))('RabbitMQ wire format, with pika on the other side', () => {
  const rabbitmq = () => ({ backend: 'rabbitmq' as const, url: inject('rabbitmqUrl') });

  it('wire:rabbitmq-publish reaches a handler with its routing key as key and a stable derived id', async (ctx) => {
    const mq = await connect(rabbitmq());
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('pika-in'));
    const inbox = new Inbox<Message<{ order: number }>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
    run(python, ['-c', snippet('rabbitmq-publish')], { ANYMQ_URL: inject('rabbitmqUrl'), QUEUE: queue.name });
    const [message] = await inbox.waitFor(1, 'the pika message', T);
    expect(message).toMatchObject({ body: { order: 1 }, key: 'customer-9', attempt: 1 });
    expect(message?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
  });

  it('wire:rabbitmq-consume reads what anymq sent: id, content type, key, headers, body', async (ctx) => {
    const mq = await connect(rabbitmq());
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('pika-out'));
    const pika = await reader(ctx, python, ['-c', snippet('rabbitmq-consume')], { ANYMQ_URL: inject('rabbitmqUrl'), QUEUE: queue.name });
    const { id } = await queue.producer().send({ order: 2 }, { key: 'k-1', headers: { tenant: 'acme' } });
    const seen = JSON.parse(await pika.next()) as { id: string; type: string; key: string; headers: Record<string, string>; body: unknown };
    expect(seen).toMatchObject({ id, type: 'application/json', key: 'k-1', body: { order: 2 }, headers: { tenant: 'acme', 'x-anymq-key': 'k-1' } });
    expect(Number(seen.headers['x-anymq-timestamp'])).toBeGreaterThan(1_700_000_000_000);
  });

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
    await mq.queue<{ order: number }>(`${queue.name}.dlq`).consumer({ group: 'ops' }).run((m) => dead.push(m));
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
    run(python, ['-c', script], { ANYMQ_URL: inject('rabbitmqUrl'), QUEUE: queue.name });
    const letters = await dead.waitFor(4, 'the four failing messages, dead-lettered', T);
    const seen = await attempts.waitFor(16 + 4, 'every message and one retry of each failing one', T);
    expect(letters.map((m) => m.body.order).sort()).toEqual([0, 1, 2, 3]);
    for (const letter of letters) expect(letter.headers).toMatchObject({ 'x-anymq-headers-dropped': 'blob', note: 'small', 'x-anymq-attempts': '2' });
    expect(seen.filter((m) => m.order === 4 || m.order === 5).map((m) => m.attempt)).toEqual([1, 1]);
    // amqplib decodes the AMQP long into a JavaScript number, so its last digits are not exact.
    for (const entry of await ignored.waitFor(2, 'the two absurd counters reported', T)) expect(entry).toMatch(/^x-anymq-retries=46116860184273\d{5}$/);
    for (const order of [0, 1, 2, 3]) {
      const ids = new Set([...seen.filter((m) => m.order === order).map((m) => m.id), letters.find((m) => m.body.order === order)?.id]);
      expect(ids.size, `one id for message ${order} across its attempts and its dead letter`).toBe(1);
    }
  });
});

describe.runIf(backends.includes('kafka'))('Kafka wire format, with kcat on the other side', () => {
  const kafka = () => ({ backend: 'kafka' as const, brokers: inject('kafkaBrokers') });
  const broker = () => inject('kafkaBrokers')[0] as string;

  it('wire:kafka-produce reaches a handler with its key, identified by where it lives', async (ctx) => {
    const mq = await connect(kafka());
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('kcat-in'));
    const inbox = new Inbox<Message<{ order: number }>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
    run('sh', ['-c', snippet('kafka-produce')], { KAFKA_BROKER: broker(), QUEUE: queue.name });
    const [message] = await inbox.waitFor(1, 'the kcat record', T);
    expect(message).toMatchObject({ body: { order: 1 }, key: 'customer-9', attempt: 1 });
    expect(message?.id).toMatch(new RegExp(`^${queue.name}/\\d+/\\d+$`));
  });

  it('wire:kafka-consume reads what anymq sent: key, id and content-type headers, value', async (ctx) => {
    const mq = await connect(kafka());
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('kcat-out'));
    const { id } = await queue.producer().send({ order: 2 }, { key: 'k-1', headers: { tenant: 'acme' } });
    const record = JSON.parse(run('sh', ['-c', snippet('kafka-consume')], { KAFKA_BROKER: broker(), QUEUE: queue.name })) as { key: string; payload: string; headers: string[] };
    const headers = Object.fromEntries(Array.from({ length: record.headers.length / 2 }, (_, i) => [record.headers[2 * i], record.headers[2 * i + 1]]));
    expect(record.key).toBe('k-1');
    expect(JSON.parse(record.payload)).toEqual({ order: 2 });
    expect(headers).toMatchObject({ 'x-anymq-id': id, 'content-type': 'application/json', tenant: 'acme' });
  });

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
    run('sh', ['-c', `printf '%s\\n' '{"order": 0}' | kcat -b "$KAFKA_BROKER" -t "$QUEUE" -P -k one ${hostile.join(' ')}`], { KAFKA_BROKER: broker(), QUEUE: queue.name });
    run('sh', ['-c', `printf '%s\\n' '${lines.split('\n').slice(1).join("' '")}' | kcat -b "$KAFKA_BROKER" -t "$QUEUE" -P -k one`], { KAFKA_BROKER: broker(), QUEUE: queue.name });
    const seen = await inbox.waitFor(11, 'all 11 records, the hostile one first', T);
    expect(seen.map((m) => m.order)).toEqual(Array.from({ length: 11 }, (_, order) => order));
    expect(seen.every((m) => m.attempt === 1)).toBe(true);
    expect(await ignored.waitFor(1, 'the hostile headers reported', T)).toEqual(['x-anymq-not-before=99999999999999999999 x-anymq-retries=99999999999999999999']);
  });
});

describe('ZeroMQ wire format, with plain zeromq.js on the other side', () => {
  it('wire:zeromq-push reaches a push-pull consumer with its id and headers', async (ctx) => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    const mq = await connect(new ZmqDirectTransport({ backend: 'zeromq', address, bind: false }, 'push-pull'));
    ctx.onTestFinished(() => mq.close());
    const inbox = new Inbox<Message<{ order: number }>>();
    await mq.queue<{ order: number }>('orders').consumer({ group: 'g' }).run((m) => inbox.push(m));
    // Written beside this file, so that `zeromq` resolves from this package.
    const file = fileURLToPath(new URL(`./.wire-zeromq-push-${randomUUID().slice(0, 8)}.mjs`, import.meta.url));
    writeFileSync(file, snippet('zeromq-push'));
    ctx.onTestFinished(() => rmSync(file, { force: true }));
    run(process.execPath, [file], { ZMQ_ADDRESS: address, QUEUE: 'orders' });
    const [message] = await inbox.waitFor(1, 'the zeromq.js message', T);
    expect(message).toMatchObject({ id: 'plain-1', body: { order: 1 }, attempt: 1 });
  });
});
