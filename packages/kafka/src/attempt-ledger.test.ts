import { describe, expect, it } from 'vitest';
import { PartitionLedger, formatRecord, parseRecord } from './attempt-ledger.js';

describe('attempt ledger records', () => {
  it('round-trips and ignores what it did not write', () => {
    expect(parseRecord(formatRecord({ h: 12n, b: 1, s: 10n, n: 2 }))).toEqual({ h: 12n, b: 1, s: 10n, n: 2 });
    for (const foreign of [
      null,
      '',
      'event-id-3',
      'anymq-attempts/1 h=-1',
      'anymq-attempts/1 h=1e9',
      `anymq-attempts/1 h=${'9'.repeat(30)}`,
    ]) {
      expect(parseRecord(foreign), String(foreign)).toBeUndefined();
    }
    expect(parseRecord('anymq-attempts/1 h=5 b=99999 s=x n=1')).toEqual({ h: 5n });
  });
});

describe('PartitionLedger', () => {
  it('a clean or absent record has no suspects; reservations run ahead of hand-outs', () => {
    const ledger = new PartitionLedger('t', 0, 100n, formatRecord({ h: 100n }), 64);
    expect(ledger.isSuspect(100n)).toBe(false);
    expect(ledger.reserve(100n)).toBe('wait');
    ledger.committed(100n, ledger.metadata(), ledger.requestedEnd);
    expect(ledger.requestedEnd).toBe(228n); // the window doubled because the hand-out had to wait
    expect(ledger.reserve(150n)).toBe('ok');
    expect(ledger.reserve(170n)).toBe('extend');
    expect(parseRecord(ledger.metadata())?.h).toBe(ledger.requestedEnd);
    ledger.position = 171n;
    expect(parseRecord(ledger.metadata(true))).toEqual({ h: 171n });
  });

  it('knows whether the broker still holds what it last committed (a rebalance, not a takeover)', () => {
    const ledger = new PartitionLedger('t', 0, 100n, undefined, 64);
    expect(ledger.stillCommitted(100n, null)).toBe(false);
    ledger.committed(120n, 'anymq-attempts/1 h=200', 200n);
    expect(ledger.stillCommitted(120n, 'anymq-attempts/1 h=200')).toBe(true);
    expect(ledger.stillCommitted(130n, 'anymq-attempts/1 h=260')).toBe(false); // another member moved it on
  });

  it('knows its own record after a rejoin even if the answer to the commit that wrote it was lost', () => {
    const ledger = new PartitionLedger('t', 0, 100n, undefined, 64, 'a1b2c3');
    ledger.position = 150n;
    expect(parseRecord(ledger.metadata())).toMatchObject({ o: 'a1b2c3' });
    expect(ledger.stillCommitted(140n, 'anymq-attempts/1 h=300 o=a1b2c3')).toBe(true);
    expect(ledger.stillCommitted(140n, 'anymq-attempts/1 h=300 o=ffffff')).toBe(false);
    expect(ledger.stillCommitted(160n, 'anymq-attempts/1 h=300 o=a1b2c3')).toBe(false); // moved past what it knows
  });

  it('counts one abandoned delivery for what a vanished member reserved, and every crash of a suspect run alone', () => {
    // A member reserved [100, 164) and vanished.
    let ledger = new PartitionLedger('t', 0, 100n, formatRecord({ h: 164n }), 64);
    expect(ledger.isSuspect(100n) && ledger.isSuspect(163n) && !ledger.isSuspect(164n)).toBe(true);
    expect(ledger.isolate(100n)).toBe(1);
    expect(parseRecord(ledger.metadata())).toEqual({ h: 164n, b: 1, s: 100n, n: 1 });
    // It crashed again running 100 alone; and again.
    ledger = new PartitionLedger('t', 0, 100n, ledger.metadata(), 64);
    expect(ledger.isolate(100n)).toBe(2);
    ledger = new PartitionLedger('t', 0, 100n, ledger.metadata(), 64);
    expect(ledger.isolate(100n)).toBe(3);
    // A run whose record could not be committed is taken back.
    expect(ledger.isolate(100n)).toBe(4);
    ledger.unisolate(100n);
    expect(parseRecord(ledger.metadata())).toMatchObject({ s: 100n, n: 3 });
    // 100 is settled (dead-lettered); 101 was never started alone: one abandoned delivery.
    ledger.position = 101n;
    expect(ledger.isolate(101n)).toBe(1);
    expect(parseRecord(ledger.metadata())).toEqual({ h: 164n, b: 1, s: 101n, n: 1 });
    // Leaving cleanly keeps the suspects not yet run, without blaming the one released.
    expect(parseRecord(ledger.metadata(true))).toEqual({ h: 164n, b: 1 });
  });
});
