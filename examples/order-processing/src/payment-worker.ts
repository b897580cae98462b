import type { Handler, Message, RetryOptions } from '@anymq/core';
import type { Order } from './order.ts';

/**
 * How payment workers retry: a card network that times out is tried again after 5 s, 10 s, 20 s; a
 * declined card goes to the dead-letter queue at once, since trying again cannot help.
 */
export const paymentRetry: RetryOptions = {
  maxAttempts: 4,
  initialDelayMs: 5_000,
  maxDelayMs: 60_000,
  retryable: (error) => error.name !== 'CardDeclinedError',
};

/** The payment worker's handler: charges the order's card, then reports it paid. */
export function paymentHandler(
  charge: (order: Order) => Promise<void>,
  paid: (order: Order, message: Message<Order>) => void,
): Handler<Order> {
  return async (message) => {
    await charge(message.body);
    paid(message.body, message);
  };
}
