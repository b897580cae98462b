import { ConfigError } from '@anymq/core';
import { Inbox, deadLetterInbox, gate } from '@anymq/testing';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { always, needs } from '../requirements.js';

/** `runBatch`: batches of at most maxMessages, each message settled on its own by the usual policy. */
export function batchTests({ test, client, fresh, T }: ContractContext): void {
  test('runBatch hands over every message once, in batches of at most maxMessages', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('batches'));
    const sizes: number[] = [];
    const handled = new Inbox<number>();
    await queue.consumer({ group: 'g' }).runBatch(
      (messages) => {
        sizes.push(messages.length);
        for (const message of messages) handled.push(message.body);
      },
      { maxMessages: 10, maxWaitMs: 200 },
    );
    const producer = queue.producer();
    await producer.sendBatch(Array.from({ length: 45 }, (_, body) => ({ body })));
    await handled.waitFor(45, 'all 45 messages', T);
    expect([...handled.items].sort((a, b) => a - b)).toEqual(Array.from({ length: 45 }, (_, n) => n));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    // 45 messages waiting for a handler that takes 10: batches, not one message at a time.
    expect(sizes.length).toBeLessThan(45);
  });

  test(
    'inside a batch, message.nack() retries that message alone; the rest are acked',
    needs('redelivery'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('batch-nack'));
      const seen = new Inbox<string>();
      await queue.consumer({ group: 'g', retry: { maxAttempts: 3, initialDelayMs: 10 } }).runBatch(
        async (messages) => {
          for (const message of messages) {
            seen.push(`${message.body}#${message.attempt}`);
            if (message.body === 'b' && message.attempt === 1) await message.nack(new Error('b is not ready'));
          }
        },
        { maxMessages: 3, maxWaitMs: 100 },
      );
      await queue.producer().sendBatch([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
      await seen.waitFor(4, 'a, b, c, then b again', T);
      expect([...seen.items].sort()).toEqual(['a#1', 'b#1', 'b#2', 'c#1']);
    },
  );

  test(
    'a batch handler that throws fails every message of the batch: each is retried, then dead-lettered by its own attempts',
    needs('redelivery', 'deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('batch-fail'));
      const dead = await deadLetterInbox<string>(mq, queue.name);
      const attempts = new Inbox<string>();
      await queue.consumer({ group: 'g', retry: { maxAttempts: 2, initialDelayMs: 10 } }).runBatch(
        (messages) => {
          for (const message of messages) attempts.push(`${message.body}#${message.attempt}`);
          throw new Error('the bulk insert failed');
        },
        { maxMessages: 5, maxWaitMs: 100 },
      );
      await queue.producer().sendBatch([{ body: 'x' }, { body: 'y' }]);
      const letters = await dead.waitFor(2, 'both messages dead-lettered', T);
      expect(letters.map((m) => m.body).sort()).toEqual(['x', 'y']);
      expect(letters[0]?.headers['x-anymq-error']).toBe('the bulk insert failed');
      expect([...attempts.items].sort()).toEqual(['x#1', 'x#2', 'y#1', 'y#2']);
    },
  );

  test('concurrency bounds the batches running at once; the next one fills meanwhile', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<number>(fresh('batch-concurrency'));
    const started = new Inbox<number>();
    const release = gate();
    let running = 0;
    let mostAtOnce = 0;
    await queue.consumer({ group: 'g', concurrency: 1 }).runBatch(
      async (messages) => {
        mostAtOnce = Math.max(mostAtOnce, ++running);
        started.push(messages.length);
        await release.promise;
        running--;
      },
      { maxMessages: 5, maxWaitMs: 50 },
    );
    await queue.producer().sendBatch(Array.from({ length: 15 }, (_, body) => ({ body })));
    await started.waitFor(1, 'the first batch', T);
    release.open();
    const sizes = await started.waitFor(3, 'three batches of five', T);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBeGreaterThanOrEqual(10);
    expect(mostAtOnce).toBe(1);
  });

  test('runBatch options out of range are a ConfigError naming the option', always, async (ctx) => {
    const mq = await client(ctx);
    const consumer = () => mq.queue<string>(fresh('batch-options')).consumer({ group: 'g' });
    for (const [options, field] of [
      [{ maxMessages: 0 }, 'maxMessages'],
      [{ maxMessages: 2.5 }, 'maxMessages'],
      [{ maxWaitMs: -1 }, 'maxWaitMs'],
      [{ maxWaitMs: Number.POSITIVE_INFINITY }, 'maxWaitMs'],
    ] as const) {
      const error = await consumer()
        .runBatch(() => undefined, options)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field });
    }
  });
}
