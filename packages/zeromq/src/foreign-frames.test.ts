// A plain zeromq.js PUSH that does not speak anymq's frames: every malformed message is settled with
// its reason (reported, since direct mode has no dead-letter queue), nothing crashes the consumer,
// and the good message behind them is handled.
import { Inbox } from '@anymq/contract';
import { type Message, connect } from '@anymq/core';
import { Push } from 'zeromq';
import { describe, expect, it } from 'vitest';
import { ZmqDirectTransport } from './direct-transport.js';

describe('zeromq push-pull: frames from a peer that is not anymq', () => {
  it('are settled with a reason one by one; the consumer keeps going', async () => {
    const push = new Push();
    await push.bind('tcp://127.0.0.1:*');
    const address = push.lastEndpoint as string;
    const errors = new Inbox<string>();
    const mq = await connect(new ZmqDirectTransport({ backend: 'zeromq', address, bind: false }, 'push-pull'), {
      observer: { onError: ({ error }) => errors.push(error.message) },
    });
    try {
      const handled = new Inbox<Message<{ n: number }>>();
      await mq
        .queue<{ n: number }>('orders')
        .consumer({ group: 'g' })
        .run((m) => handled.push(m));
      await push.send(['orders', 'not json', '{"n":0}']);
      await push.send(['orders']);
      await push.send(['orders', '{"n":1}']);
      await push.send(['billing', '{"id":"x","headers":{},"timestamp":1}', '{"n":2}']);
      await push.send(['orders', '{"id":"x","headers":{"a":1},"timestamp":1}', '{"n":3}']);
      await push.send(['orders', '{"id":"good","headers":{},"timestamp":1700000000000}', '{"n":4}']);
      const [good] = await handled.waitFor(1, 'the good message', 10_000);
      expect(good?.body).toEqual({ n: 4 });
      expect(good?.id).toBe('good');
      const reasons = await errors.waitFor(5, 'a reason for each malformed message', 10_000);
      expect(reasons.join('\n')).toMatch(/INVALID_ENVELOPE: .*the meta frame is not JSON/);
      expect(reasons.join('\n')).toMatch(/expected 3 frames \(queue, meta, body\), got 1/);
      expect(reasons.join('\n')).toMatch(/expected 3 frames \(queue, meta, body\), got 2/);
      expect(reasons.join('\n')).toMatch(/the first frame is not the queue name "orders"/);
      expect(reasons.join('\n')).toMatch(/meta "headers" must be an object of strings/);
      for (const reason of reasons) expect(reason).toMatch(/no dead-letter queue: it was dropped/);
    } finally {
      await mq.close();
      push.close();
    }
  });
});
