import { type ConfigInput, MemoryIdempotencyStore, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { Order, makeOrders, seededRandom } from './order.ts';
import { chargeCard } from './payment.ts';
import { paymentHandler, paymentRetry } from './payment-worker.ts';

export interface OrderProcessingOptions {
  /** Backend config; default: `ANYMQ_URL`, else in-memory. */
  config?: ConfigInput;
  orders?: number;
  /** How many orders are sent twice, as a producer retry would. */
  duplicates?: number;
  workers?: number;
  /** Chance that one payment attempt times out. */
  failureRate?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface OrderProcessingSummary {
  backend: string;
  orders: number;
  /** Ids of paid orders: each at most once, thanks to idempotent handling. */
  processed: string[];
  /** Ids of dead-lettered messages (a resent copy of a failing order fails again). */
  deadLettered: string[];
  retries: number;
  duplicatesAbsorbed: number;
}

/** Runs the demo: orders to competing payment workers, with retries, dead letters and dedupe. */
export async function runOrderProcessing(options: OrderProcessingOptions = {}): Promise<OrderProcessingSummary> {
  const count = options.orders ?? 20;
  const duplicateCount = options.duplicates ?? 3;
  const random = seededRandom(options.seed ?? 42);
  const failureRate = options.failureRate ?? 0.25;
  const log = options.log ?? (() => undefined);
  const orders = makeOrders(count, random);

  let retries = 0;
  let duplicatesAbsorbed = 0;
  const processed: string[] = [];
  const deadLettered: string[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // Every message sent ends exactly one way: paid, dead-lettered, or absorbed as a duplicate. A
  // broker that stores a resend with the same id once (NATS JetStream) never delivers the duplicates.
  let expected = count + duplicateCount;
  const checkDone = () => {
    if (processed.length + deadLettered.length + duplicatesAbsorbed === expected) finish();
  };

  const mq = await connect(options.config, {
    observer: {
      onRetried: (e) => {
        retries++;
        log(`order ${e.id}  payment failed on attempt ${e.attempt}: ${e.error.message}; retrying in ${e.delayMs} ms`);
      },
      onDuplicate: (e) => {
        duplicatesAbsorbed++;
        log(`order ${e.id}  duplicate delivery absorbed (already paid)`);
        checkDone();
      },
    },
  });
  if (mq.capabilities.deduplicatesById) expected = count;
  try {
    // A fresh queue per run, so that a run on a real broker never picks up an earlier run's orders.
    const queue = mq.queue(`demo-orders-${randomUUID().slice(0, 8)}`, { schema: Order });
    const deadLetters = mq.queue(`${queue.name}.dlq`, { schema: Order });
    await deadLetters.consumer({ group: 'ops' }).run((message) => {
      deadLettered.push(message.body.id);
      log(
        `order ${message.body.id}  dead-lettered on attempt ${message.headers['x-anymq-origin-attempt']}: ${message.headers['x-anymq-error']}`,
      );
      checkDone();
    });

    const store = new MemoryIdempotencyStore();
    for (let w = 1; w <= (options.workers ?? 3); w++) {
      const worker = `worker-${w}`;
      await queue
        .consumer({
          group: 'payments',
          concurrency: 2,
          idempotency: { store },
          // The workers' real policy, with backoff in milliseconds so that the demo ends in a second.
          retry: { ...paymentRetry, initialDelayMs: 20, maxDelayMs: 200 },
        })
        .run(
          paymentHandler(
            (order) => chargeCard(order, random, failureRate),
            (order, message) => {
              processed.push(order.id);
              log(
                `order ${order.id}  paid ${(order.amountCents / 100).toFixed(2)} EUR for ${order.customer} by ${worker} (attempt ${message.attempt})`,
              );
              checkDone();
            },
          ),
        );
    }

    const producer = queue.producer();
    await producer.sendBatch(orders.map((order) => ({ body: order, id: order.id, key: order.customer })));
    // A producer retry resends a few orders with the same id; idempotent handling absorbs them.
    await Promise.all(
      orders.slice(0, duplicateCount).map((order) => producer.send(order, { id: order.id, key: order.customer })),
    );
    await finished;
    return { backend: mq.backend, orders: count, processed, deadLettered, retries, duplicatesAbsorbed };
  } finally {
    await mq.close();
  }
}
