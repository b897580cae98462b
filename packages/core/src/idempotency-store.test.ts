import { describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore } from './idempotency-store.js';

describe('MemoryIdempotencyStore', () => {
  it('remembers ids per scope', () => {
    const store = new MemoryIdempotencyStore();
    store.add('orders/billing', 'a');
    expect(store.has('orders/billing', 'a')).toBe(true);
    expect(store.has('orders/shipping', 'a')).toBe(false);
  });

  it('forgets the oldest id beyond maxEntries, keeping recently added ones', () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c']) store.add('s', id);
    store.add('s', 'a'); // refreshed: now the newest
    store.add('s', 'd');
    expect(store.size).toBe(3);
    expect(store.has('s', 'b')).toBe(false);
    expect(['a', 'c', 'd'].every((id) => store.has('s', id))).toBe(true);
  });
});
