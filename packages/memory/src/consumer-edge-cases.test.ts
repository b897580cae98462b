import { Inbox, gate } from '@anymq/contract';
import { type IdempotencyStore, connect } from '@anymq/core';
import type { Delivery, SubscribeOptions, Subscription } from '@anymq/core/transport';
import { describe, expect, it } from 'vitest';
import type { MemoryDelivery } from './memory-queue.js';
import { MemoryTransport } from './memory-transport.js';

describe('core consumer edge cases, on the memory transport', () => {
  it('a failing idempotency store fails the attempt (retried), it does not crash the process', async () => {
    const mq = await connect(new MemoryTransport());
    let calls = 0;
    const flaky: IdempotencyStore = {
      has: () => {
        if (calls++ === 0) throw new Error('store unreachable');
        return false;
      },
      add: () => undefined,
    };
    const handled = new Inbox<number>();
    await mq
      .queue<string>('orders')
      .consumer({ group: 'g', idempotency: { store: flaky }, retry: { initialDelayMs: 1 } })
      .run((m) => handled.push(m.attempt));
    await mq.queue<string>('orders').producer().send('x');
    await handled.waitFor(1, 'the retried message', 5_000);
    expect(handled.items).toEqual([2]);
    await mq.close();
  });

  it.each([
    [{ delayMs: -1 }, 'delayMs', 'must be zero or more milliseconds'],
    [{ delayMs: Number.NaN }, 'delayMs', 'must be zero or more milliseconds'],
    [{ expiresInMs: 0 }, 'expiresInMs', 'must be more than zero milliseconds'],
    [{ expiresInMs: Number.POSITIVE_INFINITY }, 'expiresInMs', 'must be more than zero milliseconds'],
  ])('send(%o) is a ConfigError naming the option, and nothing is sent', async (options, field, says) => {
    const mq = await connect(new MemoryTransport());
    const sent = mq.queue('jobs').producer().send('x', options);
    await expect(sent).rejects.toMatchObject({ code: 'CONFIG_INVALID', field, message: expect.stringContaining(says) });
    expect((await mq.inspect('jobs', { groups: ['g'] })).groups[0]?.waiting ?? 0).toBe(0);
    await mq.close();
  });

  it('an expiry that is not a time is ignored, reported, and the message handled', async () => {
    const ignored: string[] = [];
    const transport = new MemoryTransport();
    const mq = await connect(transport, { observer: { onIgnored: (event) => ignored.push(...event.ignored) } });
    const handled = new Inbox<string>();
    await mq
      .queue<string>('jobs')
      .consumer({ group: 'g' })
      .run((m) => handled.push(m.body));
    // As another producer would write it: the header by hand, not by expiresInMs.
    await transport.publish('jobs', [
      {
        id: 'foreign',
        body: new TextEncoder().encode('"x"'),
        key: undefined,
        headers: { 'content-type': 'application/json', 'x-anymq-expires-at': 'tomorrow' },
        timestamp: Date.now(),
        delayMs: 0,
      },
    ]);
    await handled.waitFor(1, 'the message with a garbled expiry', 5_000);
    expect(ignored).toEqual(['x-anymq-expires-at=tomorrow']);
    await mq.close();
  });

  it('a request whose reply address is not a safe name is handled and acked, reported, and answered nowhere', async () => {
    const ignored: string[] = [];
    const transport = new MemoryTransport();
    const mq = await connect(transport, { observer: { onIgnored: (event) => ignored.push(...event.ignored) } });
    const handled = new Inbox<string>();
    await mq
      .queue<string>('quotes')
      .consumer({ group: 'g' })
      .run((m) => {
        handled.push(m.body);
        return 'a reply for nobody';
      });
    await transport.publish('quotes', [
      {
        id: 'foreign-request',
        body: new TextEncoder().encode('"x"'),
        key: undefined,
        headers: { 'x-anymq-reply-to': '../etc', 'x-anymq-correlation-id': 'c-1' },
        timestamp: Date.now(),
        delayMs: 0,
      },
    ]);
    await handled.waitFor(1, 'the request with a bad reply address', 5_000);
    await expect.poll(() => ignored).toEqual(['x-anymq-reply-to=../etc']);
    expect(await mq.inspect('quotes', { groups: ['g'] })).toMatchObject({ groups: [{ waiting: 0, inFlight: 0 }] });
    await mq.close();
  });

  it('run() twice on one consumer is a ConfigError that says what to do', async () => {
    const mq = await connect(new MemoryTransport());
    const consumer = mq.queue('jobs').consumer({ group: 'g' });
    await consumer.run(() => undefined);
    await expect(consumer.run(() => undefined)).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'run' });
    await mq.close();
  });

  it('close() while run() is still subscribing leaves no intake behind', async () => {
    const mq = await connect(new MemoryTransport());
    const queue = mq.queue<number>('jobs');
    const early = queue.consumer({ group: 'g' });
    const handled = new Inbox<number>();
    const running = early.run((m) => handled.push(m.body));
    await early.close();
    await running;
    const other = new Inbox<number>();
    await queue.consumer({ group: 'g' }).run((m) => other.push(m.body));
    await queue.producer().sendBatch([{ body: 1 }, { body: 2 }]);
    await other.waitFor(2, 'both messages at the consumer that stayed', 5_000);
    expect(handled.items).toEqual([]);
    await mq.close();
  });

  it('close() waits for a delivery that arrived while intake stopped to be handed back', async () => {
    // A transport may hand over one more delivery while its subscription closes (Kafka's partition
    // loops do): leaving before it is back would look like a crash to the broker's bookkeeping.
    const releasing = gate();
    let released = false;
    const late: Delivery = {
      id: 'late',
      body: new Uint8Array(),
      key: undefined,
      headers: {},
      timestamp: Date.now(),
      attempt: 1,
      ack: () => Promise.reject(new Error('a late delivery is handed back, not acked')),
      retry: () => Promise.reject(new Error('a late delivery is handed back, not retried')),
      deadLetter: () => Promise.reject(new Error('a late delivery is handed back, not dead-lettered')),
      release: () => releasing.promise.then(() => void (released = true)),
    };
    class LateTransport extends MemoryTransport {
      override async subscribe(
        queue: string,
        options: SubscribeOptions,
        onDelivery: (delivery: MemoryDelivery) => void,
      ): Promise<Subscription> {
        const subscription = await super.subscribe(queue, options, onDelivery);
        return {
          close: async () => {
            await subscription.close();
            (onDelivery as (delivery: Delivery) => void)(late);
          },
        };
      }
    }
    const mq = await connect(new LateTransport());
    const consumer = mq.queue('jobs').consumer({ group: 'g' });
    await consumer.run(() => undefined);
    let closed = false;
    const closing = consumer.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    releasing.open();
    await closing;
    expect(released).toBe(true);
    await mq.close();
  });
});
