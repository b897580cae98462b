import { describe, expect, it } from 'vitest';
import { runOrderProcessing } from './order-processing.ts';

describe('order-processing example on memory', () => {
  it(
    'pays every valid order once, dead-letters declined cards and absorbs duplicates',
    { timeout: 30_000 },
    async () => {
      const lines: string[] = [];
      const summary = await runOrderProcessing({ config: 'memory://', seed: 7, orders: 40, log: (l) => lines.push(l) });
      // Paid at most once each, and every order either paid or dead-lettered.
      expect(new Set(summary.processed).size).toBe(summary.processed.length);
      const fates = new Set([...summary.processed, ...summary.deadLettered]);
      expect(fates.size).toBe(40);
      expect(summary.processed.filter((id) => summary.deadLettered.includes(id))).toEqual([]);
      // Three orders were sent twice: each copy ended one way.
      expect(summary.processed.length + summary.deadLettered.length + summary.duplicatesAbsorbed).toBe(43);
      expect(summary.retries).toBeGreaterThan(0);
      expect(summary.deadLettered.length).toBeGreaterThan(0);
      for (const id of summary.deadLettered) {
        expect(lines.some((l) => l.startsWith(`order ${id}  dead-lettered`))).toBe(true);
      }
    },
  );
});
