import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox } from '@anymq/testing';
import { needs } from '../requirements.js';

/** Consumer groups: competing members, fan-out, new and idle groups, replay. */
export function groupTests({ test, client, fresh, T }: ContractContext): void {
  test(
    'competing consumers in one group share the work and handle each message once',
    needs('competingConsumers'),
    async (ctx) => {
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
    },
  );

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

  test(
    'a new group with startFrom "earliest" replays messages sent before it existed',
    needs('replay'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('replay'));
      await queue.producer().sendBatch([{ body: 'one' }, { body: 'two' }]);
      const inbox = new Inbox<string>();
      await queue.consumer({ group: 'replayer', startFrom: 'earliest' }).run((m) => inbox.push(m.body));
      await inbox.waitFor(2, 'the replayed messages', T);
      expect(new Set(inbox.items)).toEqual(new Set(['one', 'two']));
    },
  );

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
}
