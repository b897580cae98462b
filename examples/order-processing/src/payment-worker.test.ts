// A worked example of @anymq/testing: the payment worker's handler and its real retry policy (5 s,
// then 10 s of backoff) on the in-memory backend with a fake clock. Each test takes milliseconds.
import type { Message } from '@anymq/core';
import { Inbox, deadLetterInbox, memoryWithFakeClock } from '@anymq/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Order } from './order.ts';
import { CardDeclinedError, PaymentTimeoutError } from './payment.ts';
import { paymentHandler, paymentRetry } from './payment-worker.ts';

const order: Order = { id: 'o-001', customer: 'customer-1', amountCents: 4_200, card: 'valid' };

/** The in-memory backend on a fake clock, closed when the test ends, and the orders queue on it. */
async function ordersOnFakeClock() {
  const { mq, clock } = await memoryWithFakeClock();
  onTestFinished(() => mq.close());
  return { mq, clock, orders: mq.queue('orders', { schema: Order }) };
}

describe('payment worker, with @anymq/testing', () => {
  it('retries a timed-out payment after its 5 s and 10 s backoff, and pays it on the third attempt', async () => {
    const { clock, orders } = await ordersOnFakeClock();
    const attempts = new Inbox<number>();
    const paid = new Inbox<Message<Order>>();
    const charge = async () => {
      attempts.push(attempts.length + 1);
      if (attempts.length < 3) throw new PaymentTimeoutError('card network timed out');
    };
    await orders
      .consumer({ group: 'payments', retry: paymentRetry })
      .run(paymentHandler(charge, (_, message) => paid.push(message)));

    await orders.producer().send(order);
    await attempts.waitFor(1, 'the first attempt', 5_000);
    // Backoff has 20% jitter: the first retry comes between 4 s and 5 s, the second 8–10 s later.
    await clock.advance(3_999);
    expect(attempts.length).toBe(1);
    await clock.advance(1_001);
    await attempts.waitFor(2, 'the retry after 5 s', 5_000);
    await clock.advance(10_000);
    const [message] = await paid.waitFor(1, 'the order paid', 5_000);
    expect(message?.attempt).toBe(3);
    expect(message?.body).toEqual(order);
  });

  it('dead-letters a declined card at once, with the reason, and never charges it again', async () => {
    const { mq, clock, orders } = await ordersOnFakeClock();
    const dead = await deadLetterInbox(mq, 'orders', { schema: Order });
    let charges = 0;
    const decline = async () => {
      charges++;
      throw new CardDeclinedError('card declined');
    };
    await orders.consumer({ group: 'payments', retry: paymentRetry }).run(paymentHandler(decline, () => undefined));

    await orders.producer().send({ ...order, card: 'declined' });
    const [letter] = await dead.waitFor(1, 'the declined order in orders.dlq', 5_000);
    expect(letter?.headers['x-anymq-error']).toContain('card declined');
    await clock.runAll(); // nothing was scheduled: a declined card is not retried
    expect(charges).toBe(1);
  });

  it('gives up after four attempts and dead-letters the order', async () => {
    const { mq, clock, orders } = await ordersOnFakeClock();
    const dead = await deadLetterInbox(mq, 'orders', { schema: Order });
    const attempts = new Inbox<number>();
    const timeOut = async () => {
      attempts.push(attempts.length + 1);
      throw new PaymentTimeoutError('card network timed out');
    };
    await orders.consumer({ group: 'payments', retry: paymentRetry }).run(paymentHandler(timeOut, () => undefined));

    await orders.producer().send(order);
    await attempts.waitFor(1, 'the first attempt', 5_000);
    await clock.runAll(); // 5 + 10 + 20 s of backoff, at once
    expect(attempts.items).toEqual([1, 2, 3, 4]);
    const [letter] = await dead.waitFor(1, 'the order in orders.dlq after four attempts', 5_000);
    expect(letter?.headers['x-anymq-origin-attempt']).toBe('4');
  });
});
