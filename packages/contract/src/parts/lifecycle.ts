import { ClosedError, type Message } from '@anymq/core';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox, gate, within } from '@anymq/testing';
import { always, needs } from '../requirements.js';

/** Lifecycle and close: draining, signals, hand-backs, closed errors, restarts of the transport. */
export function lifecycleTests({ test, client, fresh, T, capabilities }: ContractContext): void {
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

  test(
    'a consumer that closes mid-stream loses nothing: another member gets the rest',
    needs('redelivery', 'competingConsumers'),
    async (ctx) => {
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
        await new Promise((_, reject) =>
          m.signal.addEventListener('abort', () => reject(m.signal.reason), { once: true }),
        );
      });
      const producer = queue.producer();
      await producer.sendBatch(Array.from({ length: 200 }, (_, i) => ({ body: i })));
      await handled.waitFor(10, 'the first ten', T);
      await blocked.waitFor(4, 'four held messages', T);
      await leaving.close();
      await queue.consumer({ group: 'g', concurrency: 8 }).run((m) => handled.push(m.body));
      await handled.waitFor(200, 'every message across both members', T);
      expect(new Set(handled.items).size).toBe(200);
    },
  );

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

  test(
    'an AbortSignal passed to run stops intake and hands messages back to the group',
    needs('competingConsumers', 'redelivery'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<number>(fresh('abort'));
      const first = new Inbox<number>();
      const controller = new AbortController();
      await queue
        .consumer({ group: 'g', concurrency: 2 })
        .run((m) => first.push(m.body), { signal: controller.signal });
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
    },
  );

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

  test('a message handed back on close goes back to its own group only', needs('redelivery', 'fanOut'), async (ctx) => {
    if (capabilities.ordering === 'none') ctx.skip('not applicable: the transport keeps no order to tell copies by');
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('handback-groups'));
    const other = new Inbox<string>();
    await queue.consumer({ group: 'other', concurrency: 1 }).run((m) => other.push(m.body));
    const started = new Inbox<string>();
    const stuck = gate();
    ctx.onTestFinished(() => stuck.open());
    const first = queue.consumer({ group: 'g', drainTimeoutMs: 50 });
    await first.run(async (m) => {
      started.push(m.body);
      await stuck.promise; // ignores its signal: close() hands the message back after the drain timeout
    });
    const producer = queue.producer();
    await producer.send('held', { key: 'k' });
    await started.waitFor(1, 'the first handler to start', T);
    await within(first.close(), 'close() to hand the message back', T);
    const next = new Inbox<string>();
    await queue.consumer({ group: 'g' }).run((m) => next.push(m.body));
    await next.waitFor(1, 'the handed-back message at its own group', T);
    // Sent after the hand-back: a copy of it at the other group would arrive before this one.
    await producer.send('after', { key: 'k' });
    expect(await other.waitFor(2, 'two messages at the other group', T)).toEqual(['held', 'after']);
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
    await second
      .queue<string>(name)
      .consumer({ group: 'g' })
      .run((m) => inbox.push(m.body));
    await inbox.waitFor(1, 'the message after reconnecting', T);
    expect(inbox.items).toEqual(['kept']);
  });
}
