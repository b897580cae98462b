// The same payment worker against a live RabbitMQ, started by @anymq/testing in a container (or the
// one ANYMQ_RABBITMQ_URL names): what runs in production, down to the broker's dead-letter routing.
// Run by `pnpm test:containers`, since it needs Docker or Podman.
import type { Message } from '@anymq/core';
import { connect } from '@anymq/core';
import { type Broker, Inbox, deadLetterInbox, startBroker } from '@anymq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Order } from './order.ts';
import { CardDeclinedError, PaymentTimeoutError } from './payment.ts';
import { paymentHandler, paymentRetry } from './payment-worker.ts';

describe('payment worker on a live RabbitMQ', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker('rabbitmq', {
      url: process.env.ANYMQ_RABBITMQ_URL,
      image: process.env.ANYMQ_RABBITMQ_IMAGE,
    });
  });
  afterAll(() => broker?.stop());

  it('pays a valid order after a timeout, and dead-letters a declined card with the reason', async () => {
    const mq = await connect(broker.url);
    const orders = mq.queue(`orders-${Date.now()}`, { schema: Order });
    try {
      const dead = await deadLetterInbox(mq, orders.name, { schema: Order });
      const paid = new Inbox<Message<Order>>();
      const timedOut = new Set<string>();
      const charge = async (order: Order) => {
        if (order.card === 'declined') throw new CardDeclinedError('card declined');
        if (!timedOut.has(order.id)) {
          timedOut.add(order.id);
          throw new PaymentTimeoutError('card network timed out');
        }
      };
      await orders
        .consumer({ group: 'payments', retry: { ...paymentRetry, initialDelayMs: 100, maxDelayMs: 1_000 } })
        .run(paymentHandler(charge, (_, message) => paid.push(message)));

      await orders
        .producer()
        .sendBatch([
          { body: { id: 'o-1', customer: 'c-1', amountCents: 1_000, card: 'valid' } },
          { body: { id: 'o-2', customer: 'c-2', amountCents: 2_000, card: 'declined' } },
        ]);
      const [payment] = await paid.waitFor(1, 'o-1 paid', 60_000);
      expect(payment).toMatchObject({ body: { id: 'o-1' }, attempt: 2 });
      const [letter] = await dead.waitFor(1, 'o-2 in the dead-letter queue', 60_000);
      expect(letter?.body.id).toBe('o-2');
      expect(letter?.headers['x-anymq-error']).toContain('card declined');
    } finally {
      await mq.close();
      const cleanup = await connect(broker.url);
      await cleanup.deleteQueue(orders.name, { groups: ['payments'] });
      await cleanup.deleteQueue(`${orders.name}.dlq`, { groups: ['ops'] });
      await cleanup.close();
    }
  });
});
