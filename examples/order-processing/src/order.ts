import { z } from 'zod';

export const Order = z.object({
  id: z.string(),
  customer: z.string(),
  amountCents: z.number().int().positive(),
  /** A card the payment provider always declines: such an order ends in the dead-letter queue. */
  card: z.enum(['valid', 'declined']),
});
export type Order = z.infer<typeof Order>;

/** A deterministic pseudo-random generator (mulberry32), so a seed replays the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeOrders(count: number, random: () => number): Order[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `o-${String(i + 1).padStart(3, '0')}`,
    customer: `customer-${1 + Math.floor(random() * 9)}`,
    amountCents: 500 + Math.floor(random() * 20_000),
    card: random() < 0.1 ? 'declined' : 'valid',
  }));
}
