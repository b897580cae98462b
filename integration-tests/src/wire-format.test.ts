// docs/wire-format.md's snippets, run as they are with clients that share no code with anymq's
// adapters (Python's pika, kcat, plain zeromq.js), in both directions. What those clients can send
// that anymq must survive is in faults/foreign-input.test.ts.
import { Inbox } from '@anymq/contract';
import { type Message, connect } from '@anymq/core';
import { ZmqDirectTransport } from '@anymq/zeromq';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it, type TestContext } from 'vitest';
import { freePort } from '@anymq/testing';
import { python, runClient as run } from './run-client.ts';

const backends = inject('backends');
const T = 30_000;
const doc = readFileSync(fileURLToPath(new URL('../../docs/wire-format.md', import.meta.url)), 'utf8');
const fresh = (label: string) => `wire-${label}-${randomUUID().slice(0, 8)}`;

/** The code of the fenced block tagged `wire:<name>` in docs/wire-format.md. */
function snippet(name: string): string {
  const match = new RegExp('```\\w+ wire:' + name + '\\n([\\s\\S]*?)```').exec(doc);
  if (!match) throw new Error(`docs/wire-format.md has no snippet wire:${name}`);
  return match[1] as string;
}

/** Starts a snippet that reads; resolves once it prints `ready`, with its later lines. */
async function reader(ctx: TestContext, command: string, args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    const pika = await reader(ctx, python, ['-c', snippet('rabbitmq-consume')], {
      ANYMQ_URL: inject('rabbitmqUrl'),
      QUEUE: queue.name,
    });
    const { id } = await queue.producer().send({ order: 2 }, { key: 'k-1', headers: { tenant: 'acme' } });
    const seen = JSON.parse(await pika.next()) as {
      id: string;
      type: string;
      key: string;
      headers: Record<string, string>;
      body: unknown;
    };
    expect(seen).toMatchObject({
      id,
      type: 'application/json',
      key: 'k-1',
      body: { order: 2 },
      headers: { tenant: 'acme', 'x-anymq-key': 'k-1' },
    });
    expect(Number(seen.headers['x-anymq-timestamp'])).toBeGreaterThan(1_700_000_000_000);
  });
});

describe.runIf(backends.includes('rabbitmq'))('RabbitMQ CloudEvents, structured, with pika on the other side', () => {
  const rabbitmq = () => ({ backend: 'rabbitmq' as const, url: inject('rabbitmqUrl') });
  const events = { source: '/anymq/orders', type: 'com.acme.order.created' };

  it('wire:rabbitmq-cloudevent-publish reaches a handler with its attributes and data', async (ctx) => {
    const mq = await connect(rabbitmq());
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('pika-ce-in'), { cloudEvents: events });
    const inbox = new Inbox<Message<{ order: number }>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
    run(python, ['-c', snippet('rabbitmq-cloudevent-publish')], {
      ANYMQ_URL: inject('rabbitmqUrl'),
      QUEUE: queue.name,
    });
    const [message] = await inbox.waitFor(1, 'the pika CloudEvent', T);
    expect(message).toMatchObject({ body: { order: 1 }, key: 'customer-9' });
    expect(message?.cloudEvent).toEqual({
      specversion: '1.0',
      id: 'pika-1',
      source: '/python/orders',
      type: 'com.acme.order.created',
      time: '2026-11-27T10:00:00Z',
      datacontenttype: 'application/json',
      extensions: {},
    });
  });

  it("wire:rabbitmq-consume reads anymq's structured CloudEvent as JSON", async (ctx) => {
    const mq = await connect(rabbitmq());
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue<{ order: number }>(fresh('pika-ce-out'), { cloudEvents: events });
    const pika = await reader(ctx, python, ['-c', snippet('rabbitmq-consume')], {
      ANYMQ_URL: inject('rabbitmqUrl'),
      QUEUE: queue.name,
    });
    const { id } = await queue.producer().send({ order: 2 }, { cloudEvent: { subject: 'order-2' } });
    const seen = JSON.parse(await pika.next()) as { id: string; type: string; body: Record<string, unknown> };
    expect(seen.type).toBe('application/cloudevents+json; charset=utf-8');
    expect(seen.body).toMatchObject({
      specversion: '1.0',
      id,
      ...events,
      subject: 'order-2',
      datacontenttype: 'application/json',
      data: { order: 2 },
    });
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
    const record = JSON.parse(
      run('sh', ['-c', snippet('kafka-consume')], { KAFKA_BROKER: broker(), QUEUE: queue.name }),
    ) as { key: string; payload: string; headers: string[] };
    const headers = Object.fromEntries(
      Array.from({ length: record.headers.length / 2 }, (_, i) => [record.headers[2 * i], record.headers[2 * i + 1]]),
    );
    expect(record.key).toBe('k-1');
    expect(JSON.parse(record.payload)).toEqual({ order: 2 });
    expect(headers).toMatchObject({ 'x-anymq-id': id, 'content-type': 'application/json', tenant: 'acme' });
  });
});

describe.runIf(backends.includes('kafka'))(
  'Kafka CloudEvents, binary and structured, with kcat on the other side',
  () => {
    const kafka = () => ({ backend: 'kafka' as const, brokers: inject('kafkaBrokers') });
    const broker = () => inject('kafkaBrokers')[0] as string;
    const events = { source: '/anymq/orders', type: 'com.acme.order.created' };
    /** kcat's JSON record (-J), headers as an object. */
    const consumeOne = (queue: string) => {
      const record = JSON.parse(
        run('sh', ['-c', snippet('kafka-consume')], { KAFKA_BROKER: broker(), QUEUE: queue }),
      ) as { payload: string; headers: string[] };
      const headers = Object.fromEntries(
        Array.from({ length: record.headers.length / 2 }, (_, i) => [record.headers[2 * i], record.headers[2 * i + 1]]),
      );
      return { payload: record.payload, headers };
    };

    it.for(['binary', 'structured'] as const)(
      'wire:kafka-cloudevent-%s-produce reaches a handler with its attributes',
      async (mode, ctx) => {
        const mq = await connect(kafka());
        ctx.onTestFinished(() => mq.close());
        const queue = mq.queue<{ order: number }>(fresh(`kcat-ce-${mode}`), { cloudEvents: { ...events, mode } });
        const inbox = new Inbox<Message<{ order: number }>>();
        await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
        run('sh', ['-c', snippet(`kafka-cloudevent-${mode}-produce`)], { KAFKA_BROKER: broker(), QUEUE: queue.name });
        const [message] = await inbox.waitFor(1, `the kcat ${mode} CloudEvent`, T);
        if (mode === 'binary') {
          expect(message?.body).toEqual({ order: 1 });
          expect(message?.cloudEvent).toEqual({
            specversion: '1.0',
            id: 'kcat-1',
            source: '/shell/orders',
            type: 'com.acme.order.created',
            datacontenttype: 'application/json',
            extensions: { tenant: 'acme' },
          });
        } else {
          expect(message?.body).toEqual({ order: 2 });
          expect(message?.cloudEvent).toMatchObject({ id: 'kcat-2', source: '/shell/orders', extensions: {} });
        }
      },
    );

    it("wire:kafka-consume reads anymq's binary CloudEvent as ce_ headers and its structured one as JSON", async (ctx) => {
      const mq = await connect(kafka());
      ctx.onTestFinished(() => mq.close());
      const binary = mq.queue<{ order: number }>(fresh('kcat-ce-out-binary'), {
        cloudEvents: { ...events, mode: 'binary' },
      });
      const structured = mq.queue<{ order: number }>(fresh('kcat-ce-out-structured'), { cloudEvents: events });
      const sent = await binary.producer().send({ order: 3 }, { cloudEvent: { extensions: { tenant: 'acme' } } });
      const record = consumeOne(binary.name);
      expect(JSON.parse(record.payload)).toEqual({ order: 3 });
      expect(record.headers).toMatchObject({
        ce_specversion: '1.0',
        ce_id: sent.id,
        ce_source: events.source,
        ce_type: events.type,
        ce_tenant: 'acme',
        'content-type': 'application/json',
      });
      expect(Date.parse(record.headers['ce_time'] as string)).toBeGreaterThan(Date.now() - 60_000);
      const { id } = await structured.producer().send({ order: 4 });
      const event = consumeOne(structured.name);
      expect(event.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(JSON.parse(event.payload)).toMatchObject({ specversion: '1.0', id, ...events, data: { order: 4 } });
    });
  },
);

describe('ZeroMQ wire format, with plain zeromq.js on the other side', () => {
  it('wire:zeromq-push reaches a push-pull consumer with its id and headers', async (ctx) => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    // Written beside this file, so that `zeromq` resolves from this package.
    const file = fileURLToPath(new URL(`./.wire-zeromq-push-${randomUUID().slice(0, 8)}.mjs`, import.meta.url));
    writeFileSync(file, snippet('zeromq-push'));
    ctx.onTestFinished(() => rmSync(file, { force: true }));
    // The PUSH side binds and waits for a peer; the consumer's run() resolves once connected to it.
    const pusher = spawn(process.execPath, [file], {
      env: { ...process.env, ZMQ_ADDRESS: address, QUEUE: 'orders' },
      stdio: 'inherit',
    });
    ctx.onTestFinished(() => void pusher.kill());
    const exited = new Promise<number | null>((resolve) => pusher.once('exit', resolve));
    const mq = await connect(new ZmqDirectTransport({ backend: 'zeromq', address, bind: false }, 'push-pull'));
    ctx.onTestFinished(() => mq.close());
    const inbox = new Inbox<Message<{ order: number }>>();
    await mq
      .queue<{ order: number }>('orders')
      .consumer({ group: 'g' })
      .run((m) => inbox.push(m));
    const [message] = await inbox.waitFor(1, 'the zeromq.js message', T);
    expect(await exited).toBe(0);
    expect(message).toMatchObject({ id: 'plain-1', body: { order: 1 }, attempt: 1 });
  });
});
