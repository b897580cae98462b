import { type Delivery } from '@anymq/core/transport';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox, deadLetterInbox, gate } from '@anymq/testing';
import { always, needs } from '../requirements.js';

/** Retries and dead letters: redelivery, attempts, backoff, timeouts, crashes counted. */
export function retryTests({ test, client, fresh, T, factory }: ContractContext): void {
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

  test(
    'exhausted retries go to the dead-letter queue with error headers',
    needs('redelivery', 'deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<{ order: number }>(fresh('dlq'));
      const dead = await deadLetterInbox<{ order: number }>(mq, queue.name);
      const attempts = new Inbox<number>();
      await queue.consumer({ group: 'billing', retry: { maxAttempts: 3, initialDelayMs: 5 } }).run((m) => {
        attempts.push(m.attempt);
        throw new Error('payment declined');
      });
      const { id } = await queue.producer().send({ order: 7 }, { headers: { tenant: 'acme' } });
      const [message] = await dead.waitFor(1, 'the dead-lettered message', T);
      expect(attempts.items).toEqual([1, 2, 3]);
      expect(message?.body).toEqual({ order: 7 });
      expect(message?.id).toBe(id);
      expect(message?.attempt).toBe(1); // a new life in the dead-letter queue; the origin's count is a header
      expect(message?.headers).not.toHaveProperty('x-anymq-attempt');
      expect(message?.headers).toMatchObject({
        tenant: 'acme',
        'x-anymq-error': 'payment declined',
        'x-anymq-error-code': 'Error',
        'x-anymq-origin-attempt': '3',
        'x-anymq-origin-queue': queue.name,
        'x-anymq-origin-group': 'billing',
      });
    },
  );

  test('a non-retryable error is dead-lettered at once', needs('deadLetters', 'multipleQueues'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('fatal'));
    const dead = await deadLetterInbox<string>(mq, queue.name);
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
    expect(message?.headers['x-anymq-origin-attempt']).toBe('1');
    expect(message?.headers['x-anymq-error-code']).toBe('TypeError');
  });

  test(
    'a message handled after its expiresInMs is dead-lettered as EXPIRED; the handler never sees it',
    needs('deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('expiry'));
      const dead = await deadLetterInbox<string>(mq, queue.name);
      // One handler at a time, held on the first message while the second one's expiry passes.
      const held = gate();
      const handled = new Inbox<string>();
      await queue.consumer({ group: 'g' }).run(async (m) => {
        handled.push(m.body);
        if (m.body === 'first') await held.promise;
      });
      const producer = queue.producer();
      await producer.send('first');
      await handled.waitFor(1, 'the first message to be held', T);
      await producer.send('late', { expiresInMs: 1 });
      const lateSent = Date.now(); // 'late' expires at most 2 ms after this (its send time, rounded up)
      await producer.send('timely', { expiresInMs: 3_600_000 });
      while (Date.now() <= lateSent + 2) await new Promise((resolve) => setTimeout(resolve, 5));
      held.open();
      await handled.waitFor(2, 'the message that had not expired', T);
      const [message] = await dead.waitFor(1, 'the expired message in the dead-letter queue', T);
      expect(handled.items).toEqual(['first', 'timely']);
      expect(message?.body).toBe('late');
      expect(message?.headers['x-anymq-error-code']).toBe('EXPIRED');
      expect(message?.headers['x-anymq-error']).toMatch(/^expired at \d{4}-.* ms before this delivery/);
    },
  );

  test(
    'a handler that throws a non-Error value is retried and dead-lettered with a readable reason',
    needs('redelivery', 'deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('throw-string'));
      const dead = await deadLetterInbox<string>(mq, queue.name);
      await queue.consumer({ group: 'g', retry: { maxAttempts: 2, initialDelayMs: 1 } }).run(() => {
        throw 'out of stock';
      });
      await queue.producer().send('x');
      const [message] = await dead.waitFor(1, 'the dead-lettered message', T);
      expect(message?.headers['x-anymq-error']).toContain('out of stock');
      expect(message?.headers['x-anymq-error-code']).toBe('HANDLER_FAILED');
      expect(message?.headers['x-anymq-origin-attempt']).toBe('2');
    },
  );

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
    await queue.consumer({ group: 'g', handlerTimeoutMs: 50, retry: { initialDelayMs: 1 } }).run(async (m) => {
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

  test(
    'a delivery left unsettled by a consumer that vanished counts as an attempt; past maxAttempts it is dead-lettered as CONSUMER_CRASHED',
    needs('countsAbandonedDeliveries', 'deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('abandoned');
      const queue = mq.queue<string>(name);
      const dead = await deadLetterInbox<string>(mq, name);
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
      expect(letter?.headers).toMatchObject({
        'x-anymq-error-code': 'CONSUMER_CRASHED',
        'x-anymq-origin-attempt': '3',
        'x-anymq-origin-group': 'g',
      });
      expect(letter?.headers['x-anymq-error']).toMatch(/2 of those ended with the consumer gone/);
      expect(handled.items).toEqual([]);
    },
  );

  test(
    'a message a vanished consumer left unsettled runs alone when it comes back',
    needs('countsAbandonedDeliveries'),
    async (ctx) => {
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
      const producer = queue.producer();
      await queue.consumer({ group: 'g', concurrency: 4 }).run(async (m) => {
        running++;
        if (m.body === 'suspect') {
          suspectRunning = true;
          if (running > 1) overlaps.push(`it started beside ${running - 1} others`);
          // What arrives while it runs waits too.
          await producer.sendBatch(Array.from({ length: 4 }, (_, i) => ({ body: `late${i}` })));
          await new Promise((resolve) => setTimeout(resolve, 100));
          suspectRunning = false;
        } else {
          if (suspectRunning) overlaps.push(`${m.body} started while it ran`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        running--;
        done.push(m.body);
      });
      await done.waitFor(17, 'all 17 messages', T);
      expect(overlaps).toEqual([]);
    },
  );
}
