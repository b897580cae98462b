// Core's middleware seam, exercised through the memory backend: order, headers added on send,
// the handler running inside a handle middleware's context, outcomes, and failures of middleware.
import { Inbox } from '@anymq/contract';
import { type Client, ConfigError, type Middleware, type Outcome, connect } from '@anymq/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';

let mq: Client | undefined;
afterEach(async () => {
  await mq?.close();
  mq = undefined;
});

const fastRetry = { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 };

describe('middleware', () => {
  it('runs send middleware in order, outermost first, and sends the headers they add', async () => {
    const calls: string[] = [];
    const stamp = (name: string): Middleware => ({
      async send(context, next) {
        calls.push(`${name} before`);
        for (const message of context.messages) message.headers[`x-${name}`] = `${context.system}/${context.queue}`;
        await next();
        calls.push(`${name} after`);
      },
    });
    mq = await connect({ backend: 'memory' }, { middleware: [stamp('outer'), stamp('inner')] });
    const queue = mq.queue<string>('mw-send');
    const inbox = new Inbox<Readonly<Record<string, string>>>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.headers));
    await queue.producer().sendBatch([{ body: 'a' }, { body: 'b', headers: { mine: '1' } }]);
    const [first, second] = await inbox.waitFor(2, 'deliveries', 5_000);
    expect(calls).toEqual(['outer before', 'inner before', 'inner after', 'outer after']);
    expect(first).toMatchObject({ 'x-outer': 'memory/mw-send', 'x-inner': 'memory/mw-send' });
    expect(second).toMatchObject({ 'x-outer': 'memory/mw-send', mine: '1' });
  });

  it('fails the send when a send middleware throws, and nothing is sent', async () => {
    mq = await connect(
      { backend: 'memory' },
      {
        middleware: [
          {
            send: () => Promise.reject(new Error('refused by policy')),
          },
        ],
      },
    );
    const queue = mq.queue<string>('mw-refuse');
    const inbox = new Inbox<string>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    await expect(queue.producer().send('x')).rejects.toThrow('refused by policy');
    await queue
      .producer()
      .send('probe')
      .catch(() => undefined);
    expect(inbox.items).toEqual([]);
  });

  it('runs the handler inside the handle middleware and tells it each outcome', async () => {
    const store = new AsyncLocalStorage<string>();
    const outcomes: { id: string; attempt: number; outcome: Outcome }[] = [];
    const seenInHandler: (string | undefined)[] = [];
    mq = await connect(
      { backend: 'memory' },
      {
        middleware: [
          {
            async handle(context, next) {
              const outcome = await store.run(`${context.queue}/${context.group}#${context.attempt}`, next);
              outcomes.push({ id: context.id, attempt: context.attempt, outcome });
              return outcome;
            },
          },
        ],
      },
    );
    const queue = mq.queue<string>('mw-handle');
    const done = new Inbox<string>();
    await queue.consumer({ group: 'g', retry: fastRetry }).run((m) => {
      seenInHandler.push(store.getStore());
      done.push(`${m.body}#${m.attempt}`);
      if (m.body === 'fails') throw new Error('always');
    });
    await mq.queue<string>('mw-handle').producer().send('ok', { id: 'ok' });
    await queue.producer().send('fails', { id: 'fails' });
    await done.waitFor(3, 'deliveries', 5_000);
    await until(() => outcomes.length === 3);
    expect(seenInHandler).toEqual(expect.arrayContaining(['mw-handle/g#1', 'mw-handle/g#2']));
    const kinds = outcomes.map(({ id, attempt, outcome }) => `${id}#${attempt}:${outcome.kind}`).sort();
    expect(kinds).toEqual(['fails#1:retried', 'fails#2:dead-lettered', 'ok#1:acked']);
    const deadLettered = outcomes.find((o) => o.outcome.kind === 'dead-lettered')?.outcome;
    expect(deadLettered).toMatchObject({ deadLetterQueue: 'mw-handle.dlq', error: { message: 'always' } });
    for (const { outcome } of outcomes) {
      expect(outcome.settle?.endedAt).toBeGreaterThanOrEqual(outcome.settle?.startedAt ?? Infinity);
    }
  });

  it('tells a handle middleware of an undecodable message that it was dead-lettered', async () => {
    const outcomes: Outcome[] = [];
    mq = await connect(
      { backend: 'memory' },
      { middleware: [{ handle: (_, next) => next().then((outcome) => (outcomes.push(outcome), outcome)) }] },
    );
    await mq
      .queue('mw-undecodable')
      .consumer({ group: 'g' })
      .run(() => undefined);
    await mq
      .queue<Uint8Array>('mw-undecodable', { codec: bytesCodecFor('text/plain') })
      .producer()
      .send(new TextEncoder().encode('not json'));
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ kind: 'dead-lettered', error: { code: 'DECODE_FAILED' } });
  });

  it('fails the delivery when a handle middleware throws before next(), and retries it', async () => {
    let refusals = 1;
    const handled = new Inbox<number>();
    mq = await connect(
      { backend: 'memory' },
      {
        middleware: [
          {
            handle: (_, next) => (refusals-- > 0 ? Promise.reject(new Error('not yet')) : next()),
          },
        ],
      },
    );
    const queue = mq.queue<string>('mw-before');
    await queue.consumer({ group: 'g', retry: fastRetry }).run((m) => handled.push(m.attempt));
    await queue.producer().send('x');
    expect(await handled.waitFor(1, 'deliveries', 5_000)).toEqual([2]);
  });

  it('acks a message a handle middleware filters out (returns without next()), and runs no handler', async () => {
    const handled = new Inbox<string>();
    mq = await connect(
      { backend: 'memory' },
      {
        middleware: [
          {
            handle: (context, next) =>
              context.headers['skip'] === 'yes' ? Promise.resolve({ kind: 'acked' } as const) : next(),
          },
        ],
      },
    );
    const queue = mq.queue<string>('mw-filter');
    const consumer = queue.consumer({ group: 'g' });
    await consumer.run((m) => handled.push(m.body));
    await queue.producer().send('skipped', { headers: { skip: 'yes' } });
    await queue.producer().send('kept');
    expect(await handled.waitFor(1, 'deliveries', 5_000)).toEqual(['kept']);
    await until(() => consumer.inFlight === 0);
  });

  it('reports a handle middleware that throws after next() to onError; the message stays settled', async () => {
    const errors: Error[] = [];
    const handled = new Inbox<string>();
    mq = await connect(
      { backend: 'memory' },
      {
        observer: { onError: ({ error }) => errors.push(error) },
        middleware: [{ handle: (_, next) => next().then(() => Promise.reject(new Error('after'))) }],
      },
    );
    const queue = mq.queue<string>('mw-after');
    await queue.consumer({ group: 'g' }).run((m) => handled.push(`${m.body}#${m.attempt}`));
    await queue.producer().send('x');
    await handled.waitFor(1, 'deliveries', 5_000);
    await until(() => errors.length === 1);
    expect(errors[0]?.message).toBe('after');
    expect(handled.items).toEqual(['x#1']);
  });

  it.each([
    ['not an array', { send: () => undefined }, 'middleware'],
    ['an entry without send or handle', [{}], 'middleware[0]'],
    ['a send that is not a function', [{ handle: async () => ({ kind: 'acked' }) }, { send: 'yes' }], 'middleware[1]'],
  ])('refuses %s with a ConfigError naming the field', async (_, middleware, field) => {
    const error = await connect({ backend: 'memory' }, { middleware: middleware as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field });
  });
});

function bytesCodecFor(contentType: string) {
  return {
    contentType,
    encode: (body: Uint8Array) => body,
    decode: (bytes: Uint8Array) => bytes,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met within 1 s');
}
