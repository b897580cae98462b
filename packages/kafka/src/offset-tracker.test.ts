import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

describe('OffsetTracker', () => {
  it('commits only past offsets whose predecessors are all settled', () => {
    const tracker = new OffsetTracker();
    for (const offset of [10n, 11n, 12n, 13n]) tracker.start(offset);
    expect(tracker.settle(12n)).toBeUndefined(); // 10 and 11 still running
    expect(tracker.settle(10n)).toBe(11n);
    expect(tracker.settle(11n)).toBe(13n); // 12 was already settled
    expect(tracker.unsettled).toBe(1);
    expect(tracker.settle(13n)).toBe(14n);
    expect(tracker.unsettled).toBe(0);
  });

  it('handles offsets with gaps (compacted or transactional topics)', () => {
    const tracker = new OffsetTracker();
    tracker.start(5n);
    tracker.start(9n);
    expect(tracker.settle(9n)).toBeUndefined();
    expect(tracker.settle(5n)).toBe(10n);
  });
});
