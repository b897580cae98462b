import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Capabilities,
  type Client,
  ClosedError,
  type Delivery,
  type Message,
  MemoryIdempotencyStore,
  type Observer,
  PublishError,
  type Transport,
  ValidationError,
  bytesCodec,
  connect,
} from '@anymq/core';
import { describe, expect, it, type TestContext } from 'vitest';
import { z } from 'zod';
import { Inbox, gate, within } from './inbox.js';

export type TransportFactory = () => Transport | Promise<Transport>;

export interface ContractOptions {
  /** Longest bounded wait for one expectation. Default 10 s. */
  timeoutMs?: number;
  /** Runs of the whole suite, in parallel on fresh queues. Default: `ANYMQ_CONTRACT_STRESS` or 1. */
  rounds?: number;
}

type Requirement = (capabilities: Capabilities) => string | undefined;

const always: Requirement = () => undefined;
type Flag = { [K in keyof Capabilities]-?: Capabilities[K] extends boolean ? K : never }[keyof Capabilities];
/** Applies when every named capability is declared. */
const needs =
  (...flags: Flag[]): Requirement =>
  (capabilities) => {
    const missing = flags.filter((flag) => !capabilities[flag]);
    return missing.length === 0 ? undefined : `the transport does not declare ${missing.map((f) => `"${f}"`).join(', ')}`;
  };
const needsOrdering: Requirement = (capabilities) =>
  capabilities.ordering === 'none' ? 'the transport declares ordering "none"' : undefined;
const needsMegabyte: Requirement = (capabilities) =>
  capabilities.maxMessageBytes !== undefined && capabilities.maxMessageBytes < 1_100_000
    ? `the transport's maxMessageBytes is ${capabilities.maxMessageBytes}`
    : undefined;

const needsSizeLimit: Requirement = (capabilities) =>
  capabilities.maxMessageBytes === undefined ? 'the transport declares no maxMessageBytes' : undefined;

/**
 * Registers every behavioural test of the anymq contract for one transport. A test whose
 * capability the transport does not declare is reported as skipped with the reason, by name.
 */
export function runContractSuite(
  name: string,
  factory: TransportFactory,
  capabilities: Capabilities,
  options: ContractOptions = {},
): void {
  const T = options.timeoutMs ?? 10_000;
  const rounds = options.rounds ?? Number(process.env.ANYMQ_CONTRACT_STRESS ?? 1);
  for (let round = 1; round <= rounds; round++) {
    const title = rounds > 1 ? `${name} contract (round ${round} of ${rounds})` : `${name} contract`;
    (rounds > 1 ? describe.concurrent : describe)(title, () => registerTests(factory, capabilities, T));
  }
}

function registerTests(factory: TransportFactory, capabilities: Capabilities, T: number): void {
  const test = (title: string, requirement: Requirement, body: (ctx: TestContext) => Promise<void>) => {
    const reason = requirement(capabilities);
    it(title, { timeout: T * 4 }, async (ctx) => {
      if (reason) {
        ctx.skip(`not applicable: ${reason}`);
        return;
      }
      await body(ctx);
    });
  };

  /** A client on a fresh transport, closed when the test finishes. */
  const client = async (ctx: TestContext, observer?: Observer): Promise<Client> => {
    const mq = await connect(await factory(), observer ? { observer } : {});
    ctx.onTestFinished(() => mq.close());
    return mq;
  };
  const fresh = (label: string) => `contract-${label}-${randomUUID().slice(0, 8)}`;

  test('declares the capabilities it is tested for', always, async (ctx) => {
    const mq = await client(ctx);
    expect(mq.capabilities).toMatchObject(capabilities);
  });

  test('round trip: a sent message reaches the handler with its id, body and attempt 1', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ hello: string }>(fresh('roundtrip'));
    const inbox = new Inbox<Message<{ hello: string }>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
    const { id } = await queue.producer().send({ hello: 'world' });
    const [message] = await inbox.waitFor(1, 'the message', T);
    expect(message?.body).toEqual({ hello: 'world' });
    expect(message?.id).toBe(id);
    expect(message?.attempt).toBe(1);
    expect(message?.queue).toBe(queue.name);
    expect(message?.group).toBe('g');
  });

  test('many messages arrive complete with no duplicates', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('many'));
    const inbox = new Inbox<number>();
    const consumer = queue.consumer({ group: 'g', concurrency: 8 });
    await consumer.run((m) => inbox.push(m.body));
    const producer = queue.producer();
    await Promise.all(Array.from({ length: 500 }, (_, i) => producer.send(i)));
    await inbox.waitFor(500, '500 messages', T);
    await consumer.close();
    expect(inbox.items).toHaveLength(500);
    expect(new Set(inbox.items).size).toBe(500);
  });

  test('FIFO order on one queue (per key where ordering is per key)', needsOrdering, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ key: string; n: number }>(fresh('fifo'));
    const inbox = new Inbox<{ key: string; n: number }>();
    await queue.consumer({ group: 'g', concurrency: 1 }).run((m) => inbox.push(m.body));
    const keys = ['a', 'b', 'c'];
    const batch = Array.from({ length: 90 }, (_, n) => {
      const key = keys[n % 3] as string;
      return { body: { key, n }, key };
    });
    await queue.producer().sendBatch(batch);
    await inbox.waitFor(90, '90 messages', T);
    if (capabilities.ordering === 'queue') {
      expect(inbox.items.map((b) => b.n)).toEqual(batch.map((b) => b.body.n));
    }
    for (const key of keys) {
      const seen = inbox.items.filter((b) => b.key === key).map((b) => b.n);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
    }
  });

  test('competing consumers in one group share the work and handle each message once', needs('competingConsumers'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('compete'));
    const first = new Inbox<number>();
    const second = new Inbox<number>();
    const all = new Inbox<number>();
    await queue.consumer({ group: 'workers', concurrency: 2 }).run(async (m) => {
      first.push(m.body);
      all.push(m.body);
      await new Promise((resolve) => setImmediate(resolve));
    });
    await queue.consumer({ group: 'workers', concurrency: 2 }).run(async (m) => {
      second.push(m.body);
      all.push(m.body);
      await new Promise((resolve) => setImmediate(resolve));
    });
    const producer = queue.producer();
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send(i)));
    await all.waitFor(200, '200 messages across both members', T);
    expect(new Set(all.items).size).toBe(200);
    expect(all.items).toHaveLength(200);
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
  });

  test('two groups each get every message', needs('fanOut'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('fanout'));
    const email = new Inbox<number>();
    const sms = new Inbox<number>();
    await queue.consumer({ group: 'email' }).run((m) => email.push(m.body));
    await queue.consumer({ group: 'sms', concurrency: 4 }).run((m) => sms.push(m.body));
    const producer = queue.producer();
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send(i)));
    await email.waitFor(50, 'the email group', T);
    await sms.waitFor(50, 'the sms group', T);
    expect(new Set(email.items).size).toBe(50);
    expect(new Set(sms.items).size).toBe(50);
  });

  test('a handler error leads to redelivery and eventual success', needs('redelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('retry'));
    const attempts = new Inbox<number>();
    const done = new Inbox<string>();
    await queue.consumer({ group: 'g', retry: { maxAttempts: 5, initialDelayMs: 10 } }).run((m) => {
      attempts.push(m.attempt);
      if (m.attempt < 3) throw new Error('transient');
      done.push(m.body);
    });
    await queue.producer().send('order-1');
    await done.waitFor(1, 'the third attempt to succeed', T);
    expect(attempts.items).toEqual([1, 2, 3]);
    expect(done.items).toEqual(['order-1']);
  });

  test('the attempt count is visible to the handler, with the same message id', needs('redelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('attempt'));
    const seen = new Inbox<{ id: string; attempt: number }>();
    await queue.consumer({ group: 'g', retry: { initialDelayMs: 5 } }).run((m) => {
      seen.push({ id: m.id, attempt: m.attempt });
      if (m.attempt === 1) throw new Error('first try fails');
    });
    const { id } = await queue.producer().send('x');
    await seen.waitFor(2, 'the redelivery', T);
    expect(seen.items).toEqual([
      { id, attempt: 1 },
      { id, attempt: 2 },
    ]);
  });

  test('exhausted retries go to the dead-letter queue with error headers', needs('redelivery', 'deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<{ order: number }>(fresh('dlq'));
    const dead = new Inbox<Message<{ order: number }>>();
    await mq.queue<{ order: number }>(`${queue.name}.dlq`).consumer({ group: 'ops' }).run((m) => dead.push(m));
    const attempts = new Inbox<number>();
    await queue
      .consumer({ group: 'billing', retry: { maxAttempts: 3, initialDelayMs: 5 } })
      .run((m) => {
        attempts.push(m.attempt);
        throw new Error('payment declined');
      });
    const { id } = await queue.producer().send({ order: 7 }, { headers: { tenant: 'acme' } });
    const [message] = await dead.waitFor(1, 'the dead-lettered message', T);
    expect(attempts.items).toEqual([1, 2, 3]);
    expect(message?.body).toEqual({ order: 7 });
    expect(message?.id).toBe(id);
    expect(message?.headers).toMatchObject({
      tenant: 'acme',
      'x-anymq-error': 'payment declined',
      'x-anymq-error-code': 'Error',
      'x-anymq-attempts': '3',
      'x-anymq-origin-queue': queue.name,
      'x-anymq-origin-group': 'billing',
    });
  });

  test('a non-retryable error is dead-lettered at once', needs('deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('fatal'));
    const dead = new Inbox<Message<string>>();
    await mq.queue<string>(`${queue.name}.dlq`).consumer({ group: 'ops' }).run((m) => dead.push(m));
    const attempts = new Inbox<number>();
    await queue
      .consumer({ group: 'g', retry: { maxAttempts: 5, retryable: (e) => !(e instanceof TypeError) } })
      .run((m) => {
        attempts.push(m.attempt);
        throw new TypeError('bad order');
      });
    await queue.producer().send('x');
    const [message] = await dead.waitFor(1, 'the dead-lettered message', T);
    expect(attempts.items).toEqual([1]);
    expect(message?.headers['x-anymq-attempts']).toBe('1');
    expect(message?.headers['x-anymq-error-code']).toBe('TypeError');
  });

  test('a handler that throws a non-Error value is retried and dead-lettered with a readable reason', needs('redelivery', 'deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('throw-string'));
    const dead = new Inbox<Message<string>>();
    await mq.queue<string>(`${queue.name}.dlq`).consumer({ group: 'ops' }).run((m) => dead.push(m));
    await queue.consumer({ group: 'g', retry: { maxAttempts: 2, initialDelayMs: 1 } }).run(() => {
      throw 'out of stock';
    });
    await queue.producer().send('x');
    const [message] = await dead.waitFor(1, 'the dead-lettered message', T);
    expect(message?.headers['x-anymq-error']).toContain('out of stock');
    expect(message?.headers['x-anymq-error-code']).toBe('HANDLER_FAILED');
    expect(message?.headers['x-anymq-attempts']).toBe('2');
  });

  test('a handler that settles twice (ack, ack again, nack, then returns) settles once: acked', always, async (ctx) => {
    const outcomes: string[] = [];
    const acked = new Inbox<string>();
    const mq = await client(ctx, {
      onAcked: ({ id }) => acked.push(id),
      onRetried: ({ id }) => outcomes.push(`retried ${id}`),
      onDeadLettered: ({ id }) => outcomes.push(`dead-lettered ${id}`),
    });
    const queue = mq.queue<string>(fresh('settle-twice'));
    const finished = new Inbox<string>();
    await queue.consumer({ group: 'g', retry: { initialDelayMs: 1 } }).run(async (m) => {
      await m.ack();
      await m.ack();
      await m.nack(new Error('too late: already acked'));
      finished.push(`${m.body} attempt ${m.attempt}`);
    });
    const { id } = await queue.producer().send('once');
    // The nack was awaited inside the handler: had it counted, the retry would be recorded by now.
    expect(await finished.waitFor(1, 'the handler to return', T)).toEqual(['once attempt 1']);
    expect(acked.items).toEqual([id]);
    expect(outcomes).toEqual([]);
  });

  test('a handler that exceeds handlerTimeoutMs is retried', needs('redelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('timeout'));
    const done = new Inbox<number>();
    await queue
      .consumer({ group: 'g', handlerTimeoutMs: 50, retry: { initialDelayMs: 1 } })
      .run(async (m) => {
        if (m.attempt === 1) {
          await new Promise((resolve) => m.signal.addEventListener('abort', resolve, { once: true }));
          return;
        }
        done.push(m.attempt);
      });
    await queue.producer().send('slow');
    await done.waitFor(1, 'the retry after the timeout', T);
    expect(done.items).toEqual([2]);
  });

  test('backoff delays are respected between attempts', needs('redelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('backoff'));
    const times = new Inbox<number>();
    await queue
      .consumer({ group: 'g', retry: { maxAttempts: 3, initialDelayMs: 100, multiplier: 2, jitter: 0 } })
      .run((m) => {
        times.push(performance.now());
        if (m.attempt < 3) throw new Error('again');
      });
    await queue.producer().send('x');
    const [t1 = 0, t2 = 0, t3 = 0] = await times.waitFor(3, 'three attempts', T);
    // Lower bounds only: a retry must never come before its delay (2 ms for timer granularity).
    expect(t2 - t1).toBeGreaterThanOrEqual(98);
    expect(t3 - t2).toBeGreaterThanOrEqual(198);
  });

  test('delayMs delays delivery', needs('delayedDelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('delay'));
    const inbox = new Inbox<{ body: string; at: number }>();
    await queue.consumer({ group: 'g', concurrency: 2 }).run((m) => inbox.push({ body: m.body, at: performance.now() }));
    const producer = queue.producer();
    const sentAt = performance.now();
    await producer.send('later', { delayMs: 300 });
    await producer.send('now');
    const [first, second] = await inbox.waitFor(2, 'both messages', T);
    expect(first?.body).toBe('now');
    expect(second?.body).toBe('later');
    expect((second?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(298);
  });

  test('ack and nack after close are a clear ClosedError', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('after-close'));
    const inbox = new Inbox<Message<string>>();
    const consumer = queue.consumer({ group: 'g' });
    await consumer.run((m) => inbox.push(m));
    await queue.producer().send('x');
    const [message] = await inbox.waitFor(1, 'the message', T);
    await consumer.close();
    await expect(message?.ack()).rejects.toBeInstanceOf(ClosedError);
    await expect(message?.nack(new Error('late'))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  test('a consumer that closes mid-stream loses nothing: another member gets the rest', needs('redelivery', 'competingConsumers'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('handover'));
    const handled = new Inbox<number>();
    const blocked = new Inbox<number>();
    const leaving = queue.consumer({ group: 'g', concurrency: 4 });
    await leaving.run(async (m) => {
      if (handled.length < 10) {
        handled.push(m.body);
        return;
      }
      // Hold the message until the consumer closes; it must go back to the group.
      blocked.push(m.body);
      await new Promise((_, reject) => m.signal.addEventListener('abort', () => reject(m.signal.reason), { once: true }));
    });
    const producer = queue.producer();
    await producer.sendBatch(Array.from({ length: 200 }, (_, i) => ({ body: i })));
    await handled.waitFor(10, 'the first ten', T);
    await blocked.waitFor(4, 'four held messages', T);
    await leaving.close();
    await queue.consumer({ group: 'g', concurrency: 8 }).run((m) => handled.push(m.body));
    await handled.waitFor(200, 'every message across both members', T);
    expect(new Set(handled.items).size).toBe(200);
  });

  test('concurrent close() calls are safe', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('close-twice'));
    const consumer = queue.consumer({ group: 'g' });
    await consumer.run(() => undefined);
    const producer = queue.producer();
    await producer.send('x');
    await within(
      Promise.all([consumer.close(), consumer.close(), producer.close(), producer.close(), mq.close(), mq.close()]),
      'every close() to resolve',
      T,
    );
    await expect(producer.send('y')).rejects.toBeInstanceOf(ClosedError);
    expect(() => mq.queue('another')).toThrow(ClosedError);
  });

  test('closing with in-flight handlers waits for them, then acks', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('drain'));
    const started = new Inbox<string>();
    const finished: string[] = [];
    const release = gate();
    const consumer = queue.consumer({ group: 'g' });
    await consumer.run(async (m) => {
      started.push(m.body);
      await release.promise; // ignores its signal on purpose
      finished.push(m.body);
    });
    await queue.producer().send('in-flight');
    await started.waitFor(1, 'the handler to start', T);
    let closed = false;
    const closing = consumer.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release.open();
    await within(closing, 'close() after the handler finished', T);
    expect(finished).toEqual(['in-flight']);
    // Where unacked messages would come back, check it was acked: the group's next member sees only
    // what comes after it. (At-most-once transports may drop a message sent while a member leaves.)
    if (!capabilities.redelivery) return;
    const next = new Inbox<string>();
    await queue.consumer({ group: 'g' }).run((m) => next.push(m.body));
    await queue.producer().send('after');
    await next.waitFor(1, 'the next message', T);
    expect(next.items).toEqual(['after']);
  });

  test("a handler's own signal aborts when the consumer closes", always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('signal'));
    const started = new Inbox<AbortSignal>();
    const consumer = queue.consumer({ group: 'g' });
    await consumer.run(async (m) => {
      started.push(m.signal);
      await new Promise((resolve) => m.signal.addEventListener('abort', resolve, { once: true }));
    });
    await queue.producer().send('long job');
    const [signal] = await started.waitFor(1, 'the handler to start', T);
    expect(signal?.aborted).toBe(false);
    await within(consumer.close(), 'close() once the handler honoured its signal', T);
    expect(signal?.aborted).toBe(true);
  });

  test('an AbortSignal passed to run stops intake and hands messages back to the group', needs('competingConsumers', 'redelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('abort'));
    const first = new Inbox<number>();
    const controller = new AbortController();
    await queue.consumer({ group: 'g', concurrency: 2 }).run((m) => first.push(m.body), { signal: controller.signal });
    const producer = queue.producer();
    await producer.sendBatch([{ body: 0 }, { body: 1 }]);
    await first.waitFor(2, 'the first two', T);
    controller.abort();
    await new Promise((resolve) => setImmediate(resolve));
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ body: i + 2 })));
    const second = new Inbox<number>();
    await queue.consumer({ group: 'g', concurrency: 2 }).run((m) => second.push(m.body));
    await second.waitFor(20, 'the rest at the other member', T);
    expect(new Set(first.items)).toEqual(new Set([0, 1]));
    expect(new Set(second.items)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 2)));
  });

  test('a message handed back on close is not counted as an attempt', needs('redelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('handback'));
    const started = new Inbox<number>();
    const stuck = gate();
    ctx.onTestFinished(() => stuck.open());
    const first = queue.consumer({ group: 'g', drainTimeoutMs: 50 });
    await first.run(async (m) => {
      started.push(m.attempt);
      await stuck.promise; // ignores its signal: close() hands the message back after the drain timeout
    });
    await queue.producer().send('held');
    await started.waitFor(1, 'the first handler to start', T);
    await within(first.close(), 'close() to hand the message back', T);
    const next = new Inbox<number>();
    await queue.consumer({ group: 'g' }).run((m) => next.push(m.attempt));
    expect(await next.waitFor(1, 'the message at the next member', T)).toEqual([1]);
  });

  test('a delivery left unsettled by a consumer that vanished counts as an attempt; past maxAttempts it is dead-lettered as CONSUMER_CRASHED', needs('countsAbandonedDeliveries', 'deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('abandoned');
    const queue = mq.queue<string>(name);
    const dead = new Inbox<Message<string>>();
    await mq.queue<string>(`${name}.dlq`).consumer({ group: 'ops' }).run((m) => dead.push(m));
    // Two members take it and vanish without settling it: their transports close under them, as
    // when a process dies or its connection is cut.
    for (const expected of [1, 2]) {
      const transport = await factory();
      await transport.connect();
      const received = new Inbox<Delivery>();
      await transport.subscribe(name, { group: 'g', prefetch: 1, startFrom: 'earliest' }, (d) => received.push(d));
      if (expected === 1) await queue.producer().send('kills its consumer'); // once the group exists
      const [delivery] = await received.waitFor(1, `delivery ${expected} at a member that then vanishes`, T);
      expect(delivery?.attempt).toBe(expected);
      expect(delivery?.abandoned ?? 0).toBe(expected - 1);
      await transport.close();
    }
    const handled = new Inbox<number>();
    await queue.consumer({ group: 'g', retry: { maxAttempts: 2 } }).run((m) => handled.push(m.attempt));
    const [letter] = await dead.waitFor(1, 'the message in the dead-letter queue', T);
    expect(letter?.body).toBe('kills its consumer');
    expect(letter?.headers).toMatchObject({ 'x-anymq-error-code': 'CONSUMER_CRASHED', 'x-anymq-attempts': '3', 'x-anymq-origin-group': 'g' });
    expect(letter?.headers['x-anymq-error']).toMatch(/2 of those ended with the consumer gone/);
    expect(handled.items).toEqual([]);
  });

  test('a message a vanished consumer left unsettled runs alone when it comes back', needs('countsAbandonedDeliveries'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('alone');
    const queue = mq.queue<string>(name);
    const transport = await factory();
    await transport.connect();
    const received = new Inbox<Delivery>();
    await transport.subscribe(name, { group: 'g', prefetch: 1, startFrom: 'earliest' }, (d) => received.push(d));
    await queue.producer().send('suspect');
    await received.waitFor(1, 'the message at a member that then vanishes', T);
    await queue.producer().sendBatch(Array.from({ length: 12 }, (_, i) => ({ body: `n${i}` })));
    await transport.close();
    // If the suspect kills this process too, nothing that ran beside it may be blamed.
    let running = 0;
    let suspectRunning = false;
    const overlaps: string[] = [];
    const done = new Inbox<string>();
    await queue.consumer({ group: 'g', concurrency: 4 }).run(async (m) => {
      running++;
      if (m.body === 'suspect') {
        suspectRunning = true;
        if (running > 1) overlaps.push(`it started beside ${running - 1} others`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        suspectRunning = false;
      } else {
        if (suspectRunning) overlaps.push(`${m.body} started while it ran`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      running--;
      done.push(m.body);
    });
    await done.waitFor(13, 'all 13 messages', T);
    expect(overlaps).toEqual([]);
  });

  test('headers and keys survive the trip', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('headers'));
    const inbox = new Inbox<Message<string>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
    await queue.producer().send('x', { key: 'customer-7', headers: { 'trace-id': 'abc-123', tenant: 'ünïcode' } });
    const [message] = await inbox.waitFor(1, 'the message', T);
    expect(message?.key).toBe('customer-7');
    expect(message?.headers).toMatchObject({ 'trace-id': 'abc-123', tenant: 'ünïcode', 'content-type': 'application/json' });
    expect(message?.timestamp).toBeGreaterThan(Date.now() - 60_000);
  });

  test('binary bodies survive byte for byte', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<Uint8Array>(fresh('binary'), { codec: bytesCodec });
    const inbox = new Inbox<Uint8Array>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1000)]);
    await queue.producer().send(body);
    const [received] = await inbox.waitFor(1, 'the message', T);
    expect(Buffer.from(received ?? []).equals(body)).toBe(true);
  });

  test('large bodies (1 MiB) survive', needsMegabyte, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<Uint8Array>(fresh('large'), { codec: bytesCodec });
    const inbox = new Inbox<Uint8Array>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    const body = randomBytes(1024 * 1024);
    await queue.producer().send(body);
    const [received] = await inbox.waitFor(1, 'the 1 MiB message', T);
    expect(Buffer.from(received ?? []).equals(body)).toBe(true);
  });

  test('a body above maxMessageBytes fails its own send, naming the limit; the messages around it arrive', needsSizeLimit, async (ctx) => {
    const limit = capabilities.maxMessageBytes as number;
    const mq = await client(ctx);
    const queue = mq.queue<Uint8Array>(fresh('too-large'), { codec: bytesCodec });
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(Buffer.from(m.body).toString()));
    const producer = queue.producer();
    const [before, tooLarge, after] = await Promise.allSettled([
      producer.send(Buffer.from('before')),
      producer.send(Buffer.alloc(limit + 1)),
      producer.send(Buffer.from('after')),
    ]);
    expect(before.status).toBe('fulfilled');
    expect(after.status).toBe('fulfilled');
    expect(tooLarge.status).toBe('rejected');
    const error = (tooLarge as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain(`limit of ${limit} bytes`);
    expect((await inbox.waitFor(2, 'the messages sent around the refused one', T)).sort()).toEqual(['after', 'before']);
  });

  test('a new consumer group gets messages sent after it subscribed', needs('fanOut'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('late-group'));
    const early = new Inbox<string>();
    await queue.consumer({ group: 'early' }).run((m) => early.push(m.body));
    const producer = queue.producer();
    await producer.send('before');
    await early.waitFor(1, 'the first message at the early group', T);
    const late = new Inbox<string>();
    await queue.consumer({ group: 'late', startFrom: 'latest' }).run((m) => late.push(m.body));
    await producer.send('after');
    await late.waitFor(1, 'the message sent after the late group subscribed', T);
    await early.waitFor(2, 'both messages at the early group', T);
    expect(late.items).toEqual(['after']);
  });

  test('a new group with startFrom "earliest" replays messages sent before it existed', needs('replay'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('replay'));
    await queue.producer().sendBatch([{ body: 'one' }, { body: 'two' }]);
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'replayer', startFrom: 'earliest' }).run((m) => inbox.push(m.body));
    await inbox.waitFor(2, 'the replayed messages', T);
    expect(new Set(inbox.items)).toEqual(new Set(['one', 'two']));
  });

  test('a group keeps messages sent while none of its consumers runs', needs('retainsForIdleGroups'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('idle-group'));
    const consumer = queue.consumer({ group: 'g' });
    await consumer.run(() => undefined);
    await consumer.close();
    await queue.producer().sendBatch(Array.from({ length: 5 }, (_, i) => ({ body: i })));
    const inbox = new Inbox<number>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    await inbox.waitFor(5, 'the messages kept for the idle group', T);
    expect(new Set(inbox.items)).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  test('messages survive a restart of the transport', needs('durable'), async (ctx) => {
    const name = fresh('durable');
    const first = await client(ctx);
    const consumer = first.queue<string>(name).consumer({ group: 'g' });
    await consumer.run(() => undefined);
    await consumer.close();
    await first.queue<string>(name).producer().send('kept');
    await first.close();
    const second = await client(ctx);
    const inbox = new Inbox<string>();
    await second.queue<string>(name).consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    await inbox.waitFor(1, 'the message after reconnecting', T);
    expect(inbox.items).toEqual(['kept']);
  });

  test('send rejects a schema-invalid body with ValidationError before anything leaves', always, async (ctx) => {
    const mq = await client(ctx);
    const Order = z.object({ id: z.string(), amount: z.number().positive() });
    const queue = mq.queue(fresh('schema-send'), { schema: Order });
    const inbox = new Inbox<unknown>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    const producer = queue.producer();
    const invalid = { id: 'o-1', amount: -5 };
    const rejection = await producer.send(invalid).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(ValidationError);
    expect((rejection as ValidationError).issues[0]?.path).toBe('amount');
    await producer.send({ id: 'o-2', amount: 5 });
    await inbox.waitFor(1, 'the valid message', T);
    expect(inbox.items).toEqual([{ id: 'o-2', amount: 5 }]);
  });

  test('schema-invalid messages go to the dead-letter queue, not to the handler', needs('deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('schema-receive');
    const dead = new Inbox<Message<unknown>>();
    await mq.queue(`${name}.dlq`).consumer({ group: 'ops' }).run((m) => dead.push(m));
    const handled = new Inbox<unknown>();
    const Order = z.object({ id: z.string(), amount: z.number() });
    await mq.queue(name, { schema: Order }).consumer({ group: 'g' }).run((m) => handled.push(m.body));
    // A producer without the schema, like a plain client of the broker.
    await mq.queue(name).producer().sendBatch([{ body: { id: 'o-1', amount: 'ten' } }, { body: { id: 'o-2', amount: 10 } }]);
    const [message] = await dead.waitFor(1, 'the invalid message in the dead-letter queue', T);
    await handled.waitFor(1, 'the valid message', T);
    expect(message?.headers['x-anymq-error-code']).toBe('VALIDATION_FAILED');
    expect(message?.headers['x-anymq-error']).toContain('amount');
    expect(handled.items).toEqual([{ id: 'o-2', amount: 10 }]);
  });

  test('bodies the codec cannot decode go to the dead-letter queue', needs('deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('undecodable');
    const dead = new Inbox<Message<Uint8Array>>();
    await mq.queue(`${name}.dlq`, { codec: bytesCodec }).consumer({ group: 'ops' }).run((m) => dead.push(m));
    const handled = new Inbox<unknown>();
    await mq.queue(name).consumer({ group: 'g' }).run((m) => handled.push(m.body));
    await mq.queue(name, { codec: bytesCodec }).producer().send(Buffer.from('{"not json'));
    await mq.queue(name).producer().send({ fine: true });
    const [message] = await dead.waitFor(1, 'the undecodable message in the dead-letter queue', T);
    await handled.waitFor(1, 'the decodable message', T);
    expect(Buffer.from(message?.body ?? []).toString()).toBe('{"not json');
    expect(message?.headers['x-anymq-error-code']).toBe('DECODE_FAILED');
    expect(handled.items).toEqual([{ fine: true }]);
  });

  test('a message in another content type than the codec reads goes to the dead-letter queue, even if it parses', needs('deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('content-type');
    const dead = new Inbox<Message<Uint8Array>>();
    await mq.queue(`${name}.dlq`, { codec: bytesCodec }).consumer({ group: 'ops' }).run((m) => dead.push(m));
    const handled = new Inbox<unknown>();
    await mq.queue(name).consumer({ group: 'g' }).run((m) => handled.push(m.body));
    const textCodec = { contentType: 'text/plain', encode: (text: string) => Buffer.from(text), decode: (bytes: Uint8Array) => Buffer.from(bytes).toString() };
    await mq.queue(name, { codec: textCodec }).producer().send('{"looks": "like json"}');
    await mq.queue(name).producer().send({ fine: true });
    const [message] = await dead.waitFor(1, 'the text/plain message in the dead-letter queue', T);
    await handled.waitFor(1, 'the JSON message', T);
    expect(message?.headers['x-anymq-error']).toContain('content type "text/plain"');
    expect(message?.headers['x-anymq-error-code']).toBe('DECODE_FAILED');
    expect(handled.items).toEqual([{ fine: true }]);
  });

  test('idempotent consumption handles a duplicate once', always, async (ctx) => {
    const duplicates = new Inbox<string>();
    const mq = await client(ctx, { onDuplicate: (e) => duplicates.push(e.id) });
    const queue = mq.queue<string>(fresh('idempotent'));
    const handled = new Inbox<string>();
    await queue
      .consumer({ group: 'g', idempotency: { store: new MemoryIdempotencyStore() } })
      .run((m) => handled.push(m.id));
    const producer = queue.producer();
    await producer.send('charge card', { id: 'order-42' });
    await handled.waitFor(1, 'the first delivery', T);
    await producer.send('charge card', { id: 'order-42' });
    await duplicates.waitFor(1, 'the duplicate to be recognised', T);
    expect(handled.items).toEqual(['order-42']);
    expect(duplicates.items).toEqual(['order-42']);
  });

  test('copies of one id delivered at once run the handler once', needs('competingConsumers'), async (ctx) => {
    const duplicates = new Inbox<string>();
    const mq = await client(ctx, { onDuplicate: (e) => duplicates.push(e.id) });
    const queue = mq.queue<string>(fresh('idempotent-race'));
    const handled = new Inbox<string>();
    const store = new MemoryIdempotencyStore();
    for (let member = 0; member < 2; member++) {
      await queue.consumer({ group: 'g', concurrency: 4, idempotency: { store } }).run(async (m) => {
        await new Promise((resolve) => setImmediate(resolve));
        handled.push(m.id);
      });
    }
    await queue.producer().sendBatch(Array.from({ length: 6 }, () => ({ body: 'charge', id: 'order-7' })));
    await duplicates.waitFor(5, 'five copies recognised as duplicates', T);
    expect(handled.items).toEqual(['order-7']);
  });

  test('concurrency N runs N handlers at once and never more', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('concurrency'));
    const started = new Inbox<number>();
    const done = new Inbox<number>();
    const allFourRunning = gate();
    let active = 0;
    let most = 0;
    await queue.consumer({ group: 'g', concurrency: 4 }).run(async (m) => {
      active++;
      most = Math.max(most, active);
      started.push(m.body);
      if (active === 4) allFourRunning.open();
      await allFourRunning.promise;
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      done.push(m.body);
    });
    await queue.producer().sendBatch(Array.from({ length: 20 }, (_, i) => ({ body: i })));
    await within(allFourRunning.promise, 'four handlers running at once', T);
    await done.waitFor(20, 'all twenty handled', T);
    expect(most).toBe(4);
  });

  test('with concurrency 1 the next message is not delivered until the current one is acked', needsOrdering, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('one-at-a-time'));
    const started = new Inbox<number>();
    const hold = gate();
    await queue.consumer({ group: 'g', concurrency: 1 }).run(async (m) => {
      started.push(m.body);
      if (m.body === 0) await hold.promise;
    });
    // One key, so that transports ordered per key keep these in order too.
    await queue.producer().sendBatch([0, 1, 2].map((body) => ({ body, key: 'one-key' })));
    await started.waitFor(1, 'the first message', T);
    // An observation window, not a synchronisation: nothing else may start while 0 is unacked.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started.items).toEqual([0]);
    hold.open();
    await started.waitFor(3, 'the rest after the ack', T);
    expect(started.items).toEqual([0, 1, 2]);
  });

  test('two queues never see each other\'s messages', needs('multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const a = mq.queue<string>(fresh('iso-a'));
    const b = mq.queue<string>(fresh('iso-b'));
    const inboxA = new Inbox<string>();
    const inboxB = new Inbox<string>();
    await a.consumer({ group: 'g' }).run((m) => inboxA.push(m.body));
    await b.consumer({ group: 'g' }).run((m) => inboxB.push(m.body));
    await a.producer().sendBatch(Array.from({ length: 10 }, () => ({ body: 'a' })));
    await b.producer().sendBatch(Array.from({ length: 10 }, () => ({ body: 'b' })));
    await inboxA.waitFor(10, 'queue a', T);
    await inboxB.waitFor(10, 'queue b', T);
    expect(new Set(inboxA.items)).toEqual(new Set(['a']));
    expect(new Set(inboxB.items)).toEqual(new Set(['b']));
  });

  test('many parallel producers followed by close() lose nothing', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('flush'));
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'g', concurrency: 8 }).run((m) => inbox.push(m.body));
    const producers = Array.from({ length: 5 }, () => queue.producer());
    const sends = producers.flatMap((producer, p) =>
      Array.from({ length: 100 }, (_, i) => producer.send(`${p}-${i}`)),
    );
    await Promise.all(producers.map((producer) => producer.close()));
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    await inbox.waitFor(500, 'all 500 messages', T);
    expect(new Set(inbox.items).size).toBe(500);
  });

  test('send after close is a ClosedError', always, async (ctx) => {
    const mq = await client(ctx);
    const producer = mq.queue<string>(fresh('send-closed')).producer();
    await producer.close();
    await expect(producer.send('x')).rejects.toMatchObject({ code: 'CLOSED' });
  });
}
