import { type Message, MemoryIdempotencyStore } from '@anymq/core';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox, gate, within } from '@anymq/testing';
import { always, needs } from '../requirements.js';

/** Delivery: round trips, volume, headers, idempotency, concurrency, delays. */
export function deliveryTests({ test, client, fresh, T, capabilities }: ContractContext): void {
  test('declares the capabilities it is tested for', always, async (ctx) => {
    const mq = await client(ctx);
    // Equal, not a subset: a capability the transport declares but the suite was not told of would go untested.
    expect(mq.capabilities).toEqual(capabilities);
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

  test('delayMs delays delivery', needs('delayedDelivery'), async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('delay'));
    const inbox = new Inbox<{ body: string; at: number }>();
    await queue
      .consumer({ group: 'g', concurrency: 2 })
      .run((m) => inbox.push({ body: m.body, at: performance.now() }));
    const producer = queue.producer();
    const sentAt = performance.now();
    await producer.send('later', { delayMs: 300 });
    await producer.send('now');
    const [first, second] = await inbox.waitFor(2, 'both messages', T);
    expect(first?.body).toBe('now');
    expect(second?.body).toBe('later');
    expect((second?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(298);
  });

  test('headers and keys survive the trip', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('headers'));
    const inbox = new Inbox<Message<string>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
    await queue.producer().send('x', { key: 'customer-7', headers: { 'trace-id': 'abc-123', tenant: 'ünïcode' } });
    const [message] = await inbox.waitFor(1, 'the message', T);
    expect(message?.key).toBe('customer-7');
    expect(message?.headers).toMatchObject({
      'trace-id': 'abc-123',
      tenant: 'ünïcode',
      'content-type': 'application/json',
    });
    expect(message?.timestamp).toBeGreaterThan(Date.now() - 60_000);
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
    if (capabilities.deduplicatesById) {
      // The broker stores the resend once: it never arrives. A later message shows that it did not.
      await producer.send('later', { id: 'order-43' });
      await handled.waitFor(2, 'the message sent after the resend', T);
      expect(handled.items).toEqual(['order-42', 'order-43']);
      expect(duplicates.items).toEqual([]);
      return;
    }
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
    if (capabilities.deduplicatesById) {
      await queue.producer().send('later', { id: 'order-8' });
      await handled.waitFor(2, 'the message sent after the copies', T);
      expect(handled.items.sort()).toEqual(['order-7', 'order-8']);
      return;
    }
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

  test("two queues never see each other's messages", needs('multipleQueues'), async (ctx) => {
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
    const sends = producers.flatMap((producer, p) => Array.from({ length: 100 }, (_, i) => producer.send(`${p}-${i}`)));
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
