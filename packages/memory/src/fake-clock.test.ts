import { ConfigError, type Message, connect } from '@anymq/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Inbox, deadLetterInbox, memoryWithFakeClock } from '@anymq/testing';

describe('memoryWithFakeClock', () => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((close) => close()));
  });
  const start = async () => {
    const started = await memoryWithFakeClock();
    closing.push(() => started.mq.close());
    return started;
  };

  it('retries after a 30 s backoff only when the clock is moved 30 s', async () => {
    const { mq, clock } = await start();
    const attempts = new Inbox<number>();
    const paid = new Inbox<string>();
    await mq
      .queue<string>('orders')
      .consumer({ group: 'payments', retry: { maxAttempts: 3, initialDelayMs: 30_000, jitter: 0 } })
      .run((message) => {
        attempts.push(message.attempt);
        if (message.attempt < 2) throw new Error('payment service down');
        paid.push(message.body);
      });
    await mq.queue<string>('orders').producer().send('order-1');
    await attempts.waitFor(1, 'the first attempt', 5_000);
    await expect.poll(() => clock.pending, { timeout: 5_000 }).toBe(1);

    await clock.advance(29_999);
    expect(attempts.items).toEqual([1]);
    await clock.advance(1);
    await paid.waitFor(1, 'the order paid on the second attempt', 5_000);
    expect(attempts.items).toEqual([1, 2]);
    expect(clock.pending).toBe(0);
  });

  it('delivers a delayed send when the clock reaches it, not before', async () => {
    const { mq, clock } = await start();
    const received = new Inbox<string>();
    await mq
      .queue<string>('reminders')
      .consumer({ group: 'mailer' })
      .run((message) => received.push(message.body));
    const startedAt = clock.now;
    await mq.queue<string>('reminders').producer().send('in an hour', { delayMs: 3_600_000 });

    await clock.advance(3_599_999);
    expect(received.items).toEqual([]);
    await clock.advance(1);
    await received.waitFor(1, 'the reminder after one fake hour', 5_000);
    expect(clock.now - startedAt).toBe(3_600_000);
  });

  it('runAll runs every retry out: the message ends in the dead-letter queue', async () => {
    const { mq, clock } = await start();
    const dead = await deadLetterInbox<string>(mq, 'jobs');
    const attempts = new Inbox<Message<string>>();
    await mq
      .queue<string>('jobs')
      .consumer({ group: 'workers', retry: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 600_000 } })
      .run((message) => {
        attempts.push(message);
        throw new Error('always fails');
      });
    const startedAt = clock.now;
    await mq.queue<string>('jobs').producer().send('doomed');
    await attempts.waitFor(1, 'the first attempt', 5_000);

    await clock.runAll();
    await dead.waitFor(1, 'the dead letter after five attempts', 5_000);
    expect(attempts.items.map((m) => m.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(dead.items[0]?.body).toBe('doomed');
    // Four backoffs of 60, 120, 240 and 480 s, each less at most 20% jitter.
    expect(clock.now - startedAt).toBeGreaterThanOrEqual(0.8 * 900_000);
    expect(clock.pending).toBe(0);
  });

  it('closing the client cancels what is still scheduled', async () => {
    const { mq, clock } = await memoryWithFakeClock();
    await mq.queue<string>('later').producer().send('never', { delayMs: 1_000 });
    expect(clock.pending).toBe(1);
    await mq.close();
    expect(clock.pending).toBe(0);
  });

  it('a timers option without setTimeout and clearTimeout is a ConfigError naming it', async () => {
    const connecting = connect({ backend: 'memory', timers: { setTimeout: () => 0 } as never });
    await expect(connecting).rejects.toBeInstanceOf(ConfigError);
    await expect(connecting).rejects.toMatchObject({ field: 'timers' });
  });
});
