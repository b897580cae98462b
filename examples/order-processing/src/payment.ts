import { setTimeout as delay } from 'node:timers/promises';
import type { Order } from './order.ts';

export class CardDeclinedError extends Error {
  override name = 'CardDeclinedError';
}

export class PaymentTimeoutError extends Error {
  override name = 'PaymentTimeoutError';
}

/**
 * A payment provider that takes a few milliseconds, times out at random (`failureRate`) and always
 * declines a declined card.
 */
export async function chargeCard(order: Order, random: () => number, failureRate: number): Promise<void> {
  await delay(1 + Math.floor(random() * 4)); // the provider's latency
  if (random() < failureRate) throw new PaymentTimeoutError('card network timed out');
  if (order.card === 'declined') throw new CardDeclinedError('card declined');
}
