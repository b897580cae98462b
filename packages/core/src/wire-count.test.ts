import { describe, expect, it } from 'vitest';
import { MAX_WIRE_COUNT, readWireCount, readAttempt } from './wire-count.js';

describe('readWireCount', () => {
  it('reads whole numbers from 0 to the bound, as text, number or bytes', () => {
    expect(readWireCount('0')).toBe(0);
    expect(readWireCount(' 3 ')).toBe(3);
    expect(readWireCount(7)).toBe(7);
    expect(readWireCount(Buffer.from('12'))).toBe(12);
    expect(readWireCount(String(MAX_WIRE_COUNT))).toBe(MAX_WIRE_COUNT);
  });

  it('ignores what is absent or implausible', () => {
    for (const value of [
      undefined,
      null,
      '',
      'abc',
      '-5',
      '1.5',
      '1e3',
      '99999999999999999999',
      2 ** 62,
      2n ** 62n,
      MAX_WIRE_COUNT + 1,
      Number.NaN,
      {},
      true,
    ]) {
      expect(readWireCount(value), String(value)).toBeUndefined();
    }
  });
});

describe('readAttempt', () => {
  const from = (headers: Record<string, unknown>) => {
    const ignored: string[] = [];
    return { attempt: readAttempt((name) => headers[name], ignored), ignored };
  };

  it('reads x-anymq-attempt, else x-anymq-retries plus one, else 1; the newer name wins', () => {
    expect(from({})).toEqual({ attempt: 1, ignored: [] });
    expect(from({ 'x-anymq-attempt': '3' })).toEqual({ attempt: 3, ignored: [] });
    expect(from({ 'x-anymq-retries': 2 })).toEqual({ attempt: 3, ignored: [] });
    expect(from({ 'x-anymq-retries': '1', 'x-anymq-attempt': '5' }).attempt).toBe(5);
  });

  it('reports implausible values of either name, in that order, and falls back', () => {
    expect(from({ 'x-anymq-attempt': '0', 'x-anymq-retries': 'abc' })).toEqual({
      attempt: 1,
      ignored: ['x-anymq-attempt=0', 'x-anymq-retries=abc'],
    });
    expect(from({ 'x-anymq-attempt': '-1', 'x-anymq-retries': '1' })).toEqual({
      attempt: 2,
      ignored: ['x-anymq-attempt=-1'],
    });
  });
});
