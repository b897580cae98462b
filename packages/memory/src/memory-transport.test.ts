import type { Delivery } from '@anymq/core/transport';
import { describe, expect, it } from 'vitest';
import { MemoryTransport } from './memory-transport.js';

const message = (id: string, delayMs = 0) => ({
  id,
  body: new Uint8Array(),
  key: undefined,
  headers: {},
  timestamp: 0,
  delayMs,
});

describe('MemoryTransport', () => {
  it('shares a group round-robin, even when messages arrive one by one between idle dispatches', async () => {
    const transport = new MemoryTransport();
    const seen: string[] = [];
    for (const member of ['a', 'b', 'c']) {
      await transport.subscribe('jobs', { group: 'g', prefetch: 2, startFrom: 'earliest' }, (d: Delivery) => {
        seen.push(`${member}:${d.id}`);
        void d.ack();
      });
    }
    for (const id of ['1', '2', '3', '4', '5', '6']) await transport.publish('jobs', [message(id)]);
    expect(seen).toEqual(['a:1', 'b:2', 'c:3', 'a:4', 'b:5', 'c:6']);
    await transport.close();
  });

  it('a full queue holds the sender until a group makes room (backpressure), and close wakes it', async () => {
    const transport = new MemoryTransport({ capacity: 2 });
    await transport.publish('q', [message('1'), message('2')]);
    let third = false;
    const sending = transport.publish('q', [message('3')]).then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    await transport.subscribe('q', { group: 'g', prefetch: 10, startFrom: 'earliest' }, (d) => void d.ack());
    await sending;
    expect(third).toBe(true);
    // A queue no group reads never frees room: its waiting sender is released by close().
    await transport.publish('unread', [message('a'), message('b')]);
    const blocked = transport.publish('unread', [message('c')]);
    await transport.close();
    await expect(blocked).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('with priorities, messages a group holds in priority order still count against the capacity', async () => {
    const transport = new MemoryTransport({ capacity: 2, maxPriority: 5 });
    const held: Delivery[] = [];
    // Prefetch 1, never settled by itself: the group reads the log into its priority order.
    await transport.subscribe('q', { group: 'g', prefetch: 1, startFrom: 'earliest' }, (d) => void held.push(d));
    await transport.publish('q', [message('1'), { ...message('2'), priority: 5 }]);
    expect(held.map((d) => d.id)).toEqual(['2']); // the higher priority first; '1' waits in the group
    await transport.publish('q', [message('3')]); // two waiting: the capacity
    let fourth = false;
    const sending = transport.publish('q', [message('4')]).then(() => (fourth = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fourth).toBe(false);
    await held[0]?.ack(); // '1' goes out (same priority as '3', sent first), which makes room
    await sending;
    expect(held.map((d) => d.id)).toEqual(['2', '1']);
    await transport.close();
  });
});
