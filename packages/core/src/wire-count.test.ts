import { describe, expect, it } from 'vitest';
import { MAX_WIRE_COUNT, readWireCount } from './wire-count.js';

describe('readWireCount', () => {
  it('reads whole numbers from 0 to the bound, as text, number or bytes', () => {
    expect(readWireCount('0')).toBe(0);
    expect(readWireCount(' 3 ')).toBe(3);
    expect(readWireCount(7)).toBe(7);
    expect(readWireCount(Buffer.from('12'))).toBe(12);
    expect(readWireCount(String(MAX_WIRE_COUNT))).toBe(MAX_WIRE_COUNT);
  });

  it('ignores what is absent or implausible', () => {
    for (const value of [undefined, null, '', 'abc', '-5', '1.5', '1e3', '99999999999999999999', 2 ** 62, 2n ** 62n, MAX_WIRE_COUNT + 1, Number.NaN, {}, true]) {
      expect(readWireCount(value), String(value)).toBeUndefined();
    }
  });
});
