import { runContractSuite, Inbox } from '@anymq/contract';
import { AccessDeniedError, ConfigError, ConnectionError, PublishError, type Message, connect } from '@anymq/core';
import { RabbitmqTransport } from '@anymq/rabbitmq';
import { type ConsumeMessage, type GetMessage, connect as amqpConnect } from 'amqplib';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it, type TestContext } from 'vitest';
import { rabbitmqCapabilities } from './expected-capabilities.ts';
import { startTcpProxy } from './tcp-proxy.ts';
import { until } from './until.ts';

const selected = inject('backends').includes('rabbitmq');
const T = 15_000;
const fresh = (label: string) => `it-${label}-${randomUUID().slice(0, 8)}`;

async function client(ctx: TestContext, extra: Record<string, unknown> = {}) {
  const mq = await connect({ backend: 'rabbitmq', url: inject('rabbitmqUrl'), ...extra });
  ctx.onTestFinished(() => mq.close());
  return mq;
}

async function plainChannel(ctx: TestContext) {
  const connection = await amqpConnect(inject('rabbitmqUrl'));
  ctx.onTestFinished(() => connection.close());
  return connection.createConfirmChannel();
}

describe.runIf(selected)('rabbitmq adapter', () => {
  runContractSuite(
    'rabbitmq with quorum queues',
    () => new RabbitmqTransport({ backend: 'rabbitmq', url: inject('rabbitmqUrl'), queueType: 'quorum' }),
    rabbitmqCapabilities,
  );

  it('consumes what plain amqplib published to the exchange', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('interop-in'));
    const inbox = new Inbox<Message<{ order: number }>>();
    await queue.consumer({ group: 'billing' }).run((m) => inbox.push(m));
    const channel = await plainChannel(ctx);
    channel.publish(queue.name, 'customer-9', Buffer.from(JSON.stringify({ order: 1 })), {
      messageId: 'plain-1',
      contentType: 'application/json',
      headers: { source: 'legacy', count: 3 },
    });
    await channel.waitForConfirms();
    const [message] = await inbox.waitFor(1, 'the plain message', T);
    expect(message?.body).toEqual({ order: 1 });
    expect(message?.id).toBe('plain-1');
    expect(message?.key).toBe('customer-9');
    expect(message?.attempt).toBe(1);
    expect(message?.headers).toMatchObject({ source: 'legacy', count: '3', 'content-type': 'application/json' });
  });

  it('a plain message without a message id keeps one id, its key and its timestamp across retries into the dead letter', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('foreign-id'));
    const seen = new Inbox<Message<{ order: number }>>();
    await queue.consumer({ group: 'billing', retry: { maxAttempts: 3, initialDelayMs: 10 } }).run((m) => {
      seen.push(m);
      throw new Error('not today');
    });
    const dead = new Inbox<Message<{ order: number }>>();
    await mq
      .queue<{ order: number }>(`${queue.name}.dlq`)
      .consumer({ group: 'ops' })
      .run((m) => dead.push(m));
    const channel = await plainChannel(ctx);
    channel.publish(queue.name, 'customer-9', Buffer.from(JSON.stringify({ order: 1 })), {
      contentType: 'application/json',
      timestamp: 1_700_000_000,
    });
    await channel.waitForConfirms();
    const attempts = await seen.waitFor(3, 'three attempts', T);
    const [letter] = await dead.waitFor(1, 'the dead letter', T);
    expect(new Set([...attempts, letter].map((m) => m?.id)).size).toBe(1);
    expect(attempts.map((m) => m.key)).toEqual(['customer-9', 'customer-9', 'customer-9']);
    expect(attempts.map((m) => m.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000]);
    expect(attempts.map((m) => m.attempt)).toEqual([1, 2, 3]);
  });

  it('a plain message with headers too large to copy is still retried and dead-lettered, not stalled', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('big-headers'));
    const seen = new Inbox<number>();
    await queue
      .consumer({ group: 'billing', concurrency: 4, retry: { maxAttempts: 2, initialDelayMs: 10 } })
      .run((m) => {
        seen.push(m.body.order);
        if (m.body.order < 4) throw new Error('fails');
      });
    const dead = new Inbox<Message<{ order: number }>>();
    await mq
      .queue<{ order: number }>(`${queue.name}.dlq`)
      .consumer({ group: 'ops' })
      .run((m) => dead.push(m));
    const channel = await plainChannel(ctx);
    // Just under what amqplib can encode on the way in; a copy with anymq's headers added is over.
    const big = { blob: 'x'.repeat(64_000), note: 'small' };
    for (let order = 0; order < 14; order++) {
      channel.publish(queue.name, '', Buffer.from(JSON.stringify({ order })), {
        contentType: 'application/json',
        ...(order < 4 ? { headers: big } : {}),
      });
    }
    await channel.waitForConfirms();
    const letters = await dead.waitFor(4, 'the four failing messages in the dead-letter queue', T);
    await seen.waitFor(14 + 4, 'every message, and a retry of each failing one', T);
    expect(letters.map((m) => m.body.order).sort()).toEqual([0, 1, 2, 3]);
    for (const letter of letters)
      expect(letter.headers).toMatchObject({
        'x-anymq-headers-dropped': 'blob',
        note: 'small',
        'x-anymq-origin-attempt': '2',
      });
  });

  it('sends what plain amqplib reads, with the documented properties and headers', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('interop-out'));
    const channel = await plainChannel(ctx);
    await channel.assertExchange(queue.name, 'topic', { durable: true });
    const { queue: mine } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(mine, queue.name, '#');
    const { id } = await queue.producer().send({ order: 2 }, { key: 'customer-4', headers: { tenant: 'acme' } });
    const received = await new Promise<ConsumeMessage>((resolve) => {
      void channel.consume(mine, (m) => m && resolve(m), { noAck: true });
    });
    expect(JSON.parse(received.content.toString())).toEqual({ order: 2 });
    expect(received.fields.routingKey).toBe('customer-4');
    expect(received.properties).toMatchObject({ messageId: id, contentType: 'application/json', deliveryMode: 2 });
    expect(received.properties.headers).toMatchObject({ tenant: 'acme', 'x-anymq-key': 'customer-4' });
    expect(Number(received.properties.headers?.['x-anymq-timestamp'])).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps dead letters in the queue <queue>.dlq, readable by plain amqplib', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('dlq'));
    const failed = new Inbox<number>();
    await queue.consumer({ group: 'g', retry: { maxAttempts: 2, initialDelayMs: 10 } }).run((m) => {
      failed.push(m.attempt);
      throw new Error('boom');
    });
    await queue.producer().send('poison');
    await failed.waitFor(2, 'two attempts', T);
    const channel = await plainChannel(ctx);
    let dead: GetMessage | false = false;
    for (const deadline = Date.now() + T; !dead && Date.now() < deadline;) {
      dead = await channel.get(`${queue.name}.dlq`, { noAck: true });
      if (!dead) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(dead, 'a message in the dead-letter queue').toBeTruthy();
    if (!dead) return;
    expect(dead.content.toString()).toBe('"poison"');
    expect(dead.properties.headers).toMatchObject({
      'x-anymq-error': 'boom',
      'x-anymq-origin-attempt': '2',
      'x-anymq-origin-group': 'g',
    });
  });

  it('with mandatory, a send that no group would receive fails with PublishError', async (ctx) => {
    const mq = await client(ctx, { mandatory: true });
    const queue = mq.queue<string>(fresh('mandatory'));
    await expect(queue.producer().send('nobody listens')).rejects.toBeInstanceOf(PublishError);
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    await queue.producer().send('now routed');
    await inbox.waitFor(1, 'the routed message', T);
    expect(inbox.items).toEqual(['now routed']);
  });

  it('a group queue that exists with other arguments is a ConfigError naming queueType', async (ctx) => {
    const name = fresh('mismatch');
    const classic = await client(ctx);
    const consumer = classic.queue(name).consumer({ group: 'g' });
    await consumer.run(() => undefined);
    await consumer.close();
    const quorum = await client(ctx, { queueType: 'quorum' });
    const error = await quorum
      .queue(name)
      .consumer({ group: 'g' })
      .run(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'queueType' });
    // The refusal closed a channel, not the connection: the client still works.
    const inbox = new Inbox<string>();
    await quorum
      .queue<string>(name)
      .consumer({ group: 'other' })
      .run((m) => inbox.push(m.body));
    await quorum.queue(name).producer().send('still fine');
    await inbox.waitFor(1, 'a message after the refusal', T);
  });

  it('a 404 from the broker (exchange deleted under the client) fails the send with PublishError, not the client', async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('deleted'));
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    await queue.producer().send('before');
    const channel = await plainChannel(ctx);
    await channel.deleteExchange(queue.name);
    const error = await queue
      .producer()
      .send('into the void')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(/NOT_FOUND|404/);
    // The connection survived: another queue still works.
    const other = mq.queue<string>(fresh('after-404'));
    const otherInbox = new Inbox<string>();
    await other.consumer({ group: 'g' }).run((m) => otherInbox.push(m.body));
    await other.producer().send('still fine');
    await otherInbox.waitFor(1, 'a message after the 404', T);
  });

  it('with singleActiveConsumer, one member of a group receives at a time and order holds', async (ctx) => {
    const mq = await client(ctx, { singleActiveConsumer: true });
    const queue = mq.queue<number>(fresh('sac'));
    const first = new Inbox<number>();
    const second = new Inbox<number>();
    const all = new Inbox<number>();
    await queue.consumer({ group: 'g', concurrency: 1 }).run((m) => {
      first.push(m.body);
      all.push(m.body);
    });
    await queue.consumer({ group: 'g', concurrency: 1 }).run((m) => {
      second.push(m.body);
      all.push(m.body);
    });
    await queue.producer().sendBatch(Array.from({ length: 50 }, (_, i) => ({ body: i })));
    await all.waitFor(50, 'fifty messages', T);
    expect(all.items).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([first.length, second.length].sort()).toEqual([0, 50]);
  });

  it('reports the broker product and version', async (ctx) => {
    const mq = await client(ctx);
    expect(await mq.describeBroker()).toMatch(/^RabbitMQ \d+\.\d+\.\d+/);
  });

  /** The broker's URL with another user, password or vhost. */
  const urlWith = (change: { user?: string; password?: string; vhost?: string }) => {
    const url = new URL(inject('rabbitmqUrl'));
    if (change.user !== undefined) url.username = change.user;
    if (change.password !== undefined) url.password = change.password;
    if (change.vhost !== undefined) url.pathname = `/${encodeURIComponent(change.vhost)}`;
    return url.href;
  };

  it('a refused login or an unknown vhost is ACCESS_DENIED naming the user and vhost, not the password', async () => {
    const user = decodeURIComponent(new URL(inject('rabbitmqUrl')).username) || 'guest';
    const badPassword = await connect(urlWith({ password: 'wr0ng-s3cret' })).catch((e: unknown) => e);
    expect(badPassword).toBeInstanceOf(AccessDeniedError);
    expect(badPassword).toMatchObject({ code: 'ACCESS_DENIED' });
    expect((badPassword as Error).message).toContain(`refused user "${user}" on vhost "/"`);
    expect((badPassword as Error).message).not.toContain('wr0ng-s3cret');
    const noVhost = await connect(urlWith({ vhost: 'no-such-vhost' })).catch((e: unknown) => e);
    expect(noVhost).toBeInstanceOf(AccessDeniedError);
    expect((noVhost as Error).message).toContain(`on vhost "no-such-vhost"`);
    expect((noVhost as Error).message).toContain('Fix: ');
  });

  it('a user without permission to declare is ACCESS_DENIED from send and run, with the rabbitmqctl fix', async (ctx) => {
    const ctl = inject('rabbitmqCtl');
    if (ctl.length === 0) {
      ctx.skip('not applicable: an external RabbitMQ (ANYMQ_RABBITMQ_URL) gives the tests no rabbitmqctl');
      return;
    }
    const rabbitmqctl = (...args: string[]) => {
      const result = spawnSync(ctl[0] as string, [...ctl.slice(1), ...args], { encoding: 'utf8', timeout: 60_000 });
      if (result.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${result.stderr}`);
    };
    const user = `limited-${randomUUID().slice(0, 8)}`;
    rabbitmqctl('add_user', user, 'limited-pass');
    ctx.onTestFinished(() => rabbitmqctl('delete_user', user));
    rabbitmqctl('set_permissions', '-p', '/', user, '^$', '.*', '.*'); // may configure nothing
    const mq = await connect(urlWith({ user, password: 'limited-pass' }));
    ctx.onTestFinished(() => mq.close());
    const queue = mq.queue(fresh('denied'));
    for (const attempt of [
      () => queue.producer().send('x'),
      () => queue.consumer({ group: 'g' }).run(() => undefined),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect((error as Error).message).toContain(`denied user "${user}" on vhost "/" access to "${queue.name}`);
      expect((error as Error).message).toContain(
        'Fix: grant configure, write and read on it (rabbitmqctl set_permissions',
      );
    }
  });

  it('a reconnect whose handshake gets no answer is abandoned after connectTimeoutMs and tried again', async (ctx) => {
    const target = new URL(inject('rabbitmqUrl'));
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
    ctx.onTestFinished(() => proxy.close());
    const viaProxy = new URL(target.href);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const mq = await client(ctx, { url: viaProxy.href, connectTimeoutMs: 500, publishTimeoutMs: 20_000 });
    const queue = mq.queue<string>(fresh('silent-reconnect'));
    await queue.producer().send('before');
    proxy.setSilent(true);
    proxy.dropConnections();
    await until(() => proxy.silenced > 0, 'the client to try to reconnect into the silent port', T);
    proxy.setSilent(false); // the broker answers again; the attempt already made never will
    await expect(queue.producer().send('after')).resolves.toMatchObject({ id: expect.any(String) });
  });

  it('an unreachable broker is a ConnectionError that does not show the password', async () => {
    const error = await connect('amqp://user:s3cret@127.0.0.1:1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(String((error as Error).message)).not.toContain('s3cret');
    expect(String((error as Error).message)).toContain('amqp://user:***@127.0.0.1:1');
  });
});
