// A throwing observer hook never changes the outcome of a send or a delivery (a send that rejects
// after the broker stored the message invites a resend, a duplicate). Each hook is tried alone.
import { Inbox } from '@anymq/contract';
import { type Client, MemoryIdempotencyStore, type Observer, connect } from '@anymq/core';
import { type Delivery, type Transport } from '@anymq/core/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport } from './memory-transport.js';

/** A memory transport whose deliveries are changed by `change` on their way to core. */
class Changed implements Transport {
  readonly name = 'memory';
  readonly #inner = new MemoryTransport();
  readonly capabilities = this.#inner.capabilities;

  constructor(readonly change: (delivery: Delivery, index: number) => Partial<Delivery>) {}

  connect = () => this.#inner.connect();
  close = () => this.#inner.close();
  publish: Transport['publish'] = (queue, messages) => this.#inner.publish(queue, messages);

  subscribe: Transport['subscribe'] = (queue, options, onDelivery) => {
    let index = 0;
    return this.#inner.subscribe(queue, options, (delivery) =>
      onDelivery({
        id: delivery.id,
        body: delivery.body,
        key: delivery.key,
        headers: delivery.headers,
        timestamp: delivery.timestamp,
        attempt: delivery.attempt,
        ack: () => delivery.ack(),
        retry: (delayMs) => delivery.retry(delayMs),
        deadLetter: (deadLetterQueue, headers) => delivery.deadLetter(deadLetterQueue, headers),
        release: () => delivery.release(),
        ...this.change(delivery, index++),
      }),
    );
  };
}

/** The first ack is refused by the "broker": core reports it to `onError`. */
const refusingFirstAck = () =>
  new Changed((_, index) => (index === 0 ? { ack: () => Promise.reject(new Error('broker refused the ack')) } : {}));
/** Every delivery carries a bookkeeping header read and ignored: core reports it to `onIgnored`. */
const ignoringHeaders = () => new Changed(() => ({ ignored: ['x-anymq-retries=abc'] }));

const warnings: Error[] = [];
const onWarning = (warning: Error) => {
  if ((warning as Error & { code?: string }).code === 'ANYMQ_OBSERVER_HOOK') warnings.push(warning);
};
process.on('warning', onWarning);
afterEach(() => void warnings.splice(0));

/** Waits until the process emitted `count` hook warnings (they arrive on the next tick). */
async function hookWarnings(count: number): Promise<Error[]> {
  for (let i = 0; i < 100 && warnings.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return [...warnings];
}

type Trigger = (mq: Client, queue: string) => Promise<void>;

/** Sends two messages that the handler acks: the outcome is two handled messages, each once. */
const handledTwice: Trigger = async (mq, queue) => {
  const handled = new Inbox<string>();
  // Two at a time: a refused ack leaves its message unsettled (it comes back after close), not the other.
  await mq
    .queue<string>(queue)
    .consumer({ group: 'g', concurrency: 2 })
    .run((m) => handled.push(m.body));
  const producer = mq.queue<string>(queue).producer();
  await expect(producer.send('one')).resolves.toMatchObject({ id: expect.any(String) });
  await expect(producer.send('two')).resolves.toMatchObject({ id: expect.any(String) });
  expect((await handled.waitFor(2, 'both messages', 5_000)).sort()).toEqual(['one', 'two']);
};

const cases: [keyof Observer, Trigger, (() => Transport)?][] = [
  ['onSent', handledTwice],
  ['onAcked', handledTwice],
  ['onError', handledTwice, refusingFirstAck],
  ['onIgnored', handledTwice, ignoringHeaders],
  [
    'onRetried',
    async (mq, queue) => {
      const attempts = new Inbox<number>();
      await mq
        .queue<string>(queue)
        .consumer({ group: 'g', retry: { maxAttempts: 3, initialDelayMs: 1, jitter: 0 } })
        .run((m) => {
          attempts.push(m.attempt);
          if (m.attempt < 3) throw new Error('not yet');
        });
      await mq.queue<string>(queue).producer().send('x');
      expect(await attempts.waitFor(3, 'three attempts', 5_000)).toEqual([1, 2, 3]);
    },
  ],
  [
    'onDeadLettered',
    async (mq, queue) => {
      const dead = new Inbox<string>();
      await mq
        .queue<string>(`${queue}.dlq`)
        .consumer({ group: 'ops' })
        .run((m) => dead.push(m.body));
      await mq
        .queue<string>(queue)
        .consumer({ group: 'g', retry: { maxAttempts: 1 } })
        .run(() => {
          throw new Error('no');
        });
      await mq
        .queue<string>(queue)
        .producer()
        .sendBatch([{ body: 'a' }, { body: 'b' }]);
      expect(await dead.waitFor(2, 'both dead letters', 5_000)).toEqual(['a', 'b']);
    },
  ],
  [
    'onDuplicate',
    async (mq, queue) => {
      const handled = new Inbox<string>();
      await mq
        .queue<string>(queue)
        .consumer({ group: 'g', idempotency: { store: new MemoryIdempotencyStore() } })
        .run((m) => handled.push(m.body));
      const producer = mq.queue<string>(queue).producer();
      await producer.sendBatch([
        { body: 'first', id: 'same' },
        { body: 'again', id: 'same' },
        { body: 'and again', id: 'same' },
        { body: 'other', id: 'other' },
      ]);
      expect(await handled.waitFor(2, 'one copy of each id', 5_000)).toEqual(['first', 'other']);
    },
  ],
];

describe('a throwing observer hook never changes an outcome, and is reported once', () => {
  it.each(cases)('%s', async (name, trigger, transport: () => Transport = () => new MemoryTransport()) => {
    let calls = 0;
    const observer: Observer = {
      [name]: () => {
        calls++;
        throw new Error(`${name} is broken`);
      },
    };
    const mq = await connect(transport(), { observer });
    try {
      await trigger(mq, `guard-${name}`);
    } finally {
      await mq.close();
    }
    expect(calls).toBeGreaterThanOrEqual(name === 'onError' ? 1 : 2);
    const reported = await hookWarnings(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.message).toContain(`observer.${name} threw`);
    expect(reported[0]?.message).toContain(`${name} is broken`);
  });

  it('a hook that returns a rejected promise is reported, not an unhandled rejection', async () => {
    const mq = await connect(new MemoryTransport(), {
      observer: { onAcked: async () => Promise.reject(new Error('async hook failed')) },
    });
    try {
      await handledTwice(mq, 'guard-async');
    } finally {
      await mq.close();
    }
    const reported = await hookWarnings(1);
    expect(reported[0]?.message).toContain('async hook failed');
  });

  it('a hook that reads `this` still sees its observer', async () => {
    const sent: string[] = [];
    const observer = {
      sent,
      onSent(this: { sent: string[] }, event: { id: string }) {
        this.sent.push(event.id);
      },
    };
    const mq = await connect(new MemoryTransport(), { observer });
    try {
      const { id } = await mq.queue('guard-this').producer().send('x');
      expect(sent).toEqual([id]);
    } finally {
      await mq.close();
    }
  });
});
