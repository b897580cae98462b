import { ConfigError } from '@anymq/core';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox, gate } from '@anymq/testing';
import { needsOrdering, needsPriorities, needsNoPriorities } from '../requirements.js';

/** Ordering: FIFO per queue or per key, one at a time with concurrency 1. */
export function orderingTests({ test, client, fresh, T, capabilities }: ContractContext): void {
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

  test(
    'with concurrency 1 the next message is not delivered until the current one is acked',
    needsOrdering,
    async (ctx) => {
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
    },
  );

  test('waiting messages of higher priority are delivered first', needsPriorities, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('priorities'));
    // The group exists with nothing running, so that all four wait in its queue together.
    const idle = queue.consumer({ group: 'g' });
    await idle.run(() => undefined);
    await idle.close();
    const producer = queue.producer();
    for (const body of ['low-1', 'low-2', 'low-3']) await producer.send(body, { priority: 1 });
    await producer.send('urgent', { priority: capabilities.priorities?.maxPriority ?? 1 });
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'g', concurrency: 1 }).run((m) => inbox.push(m.body));
    expect(await inbox.waitFor(4, 'all four messages', T)).toEqual(['urgent', 'low-1', 'low-2', 'low-3']);
  });

  test('a priority out of range is a ConfigError naming it, and nothing is sent', needsPriorities, async (ctx) => {
    const mq = await client(ctx);
    const producer = mq.queue<string>(fresh('priority-range')).producer();
    const max = capabilities.priorities?.maxPriority ?? 0;
    for (const priority of [-1, max + 1, 1.5]) {
      await expect(producer.send('x', { priority })).rejects.toMatchObject({ field: 'priority' });
    }
  });

  test(
    'a send with a priority where the backend has none is a ConfigError naming it',
    needsNoPriorities,
    async (ctx) => {
      const mq = await client(ctx);
      const error = await mq
        .queue<string>(fresh('no-priorities'))
        .producer()
        .send('x', { priority: 1 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field: 'priority', message: expect.stringContaining('capabilities.priorities') });
    },
  );
}
