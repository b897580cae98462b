import { describe, expect, it } from 'vitest';
import { runOrderProcessing } from './order-processing.ts';

describe('order-processing example on memory', () => {
  it('pays every valid order once, dead-letters declined cards and absorbs duplicates', async () => {
    const lines: string[] = [];
    const summary = await runOrderProcessing({ config: 'memory://', seed: 7, orders: 40, log: (l) => lines.push(l) });
    const settled = [...summary.processed, ...summary.deadLettered];
    expect(new Set(settled).size).toBe(40);
    expect(settled).toHaveLength(40);
    expect(summary.duplicatesAbsorbed).toBe(3);
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.deadLettered.length).toBeGreaterThan(0);
    for (const id of summary.deadLettered) {
      expect(lines.some((l) => l.startsWith(`order ${id}  dead-lettered`))).toBe(true);
    }
  });
});
