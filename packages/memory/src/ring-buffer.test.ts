import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const ring = new RingBuffer<number>(2);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) {
        ring.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 5; i++) expect(ring.shift()).toBe(expected.shift());
    }
    expect(ring.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(ring.at(i)).toBe(expected[i]);
  });

  it('unshift puts an item back at the front, growing when full', () => {
    const ring = new RingBuffer<string>(2);
    ring.push('b');
    ring.push('c');
    ring.unshift('a');
    expect([ring.shift(), ring.shift(), ring.shift(), ring.shift()]).toEqual(['a', 'b', 'c', undefined]);
    expect(ring.length).toBe(0);
  });

  it('at() is undefined outside the buffer', () => {
    const ring = new RingBuffer<number>();
    ring.push(1);
    expect(ring.at(-1)).toBeUndefined();
    expect(ring.at(1)).toBeUndefined();
  });
});
