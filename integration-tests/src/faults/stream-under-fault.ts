import { type ConfigInput, type SendOptions, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { until } from '../until.ts';
import type { ReliabilityRow } from './reliability.ts';

export interface FaultOutcome {
  /** Numbers of the messages whose send resolved (the broker confirmed them). */
  readonly confirmed: number[];
  readonly failures: unknown[];
  readonly received: Set<number>;
  readonly deliveries: number;
  /** From the end of the fault to the first delivery of a message sent after it. */
  readonly recoveryMs: number | null;
}

/**
 * A producer and a consumer run against a broker; after 500 confirmed sends `fault` runs (it
 * resolves when the fault is over: the broker is back, thawed, the connections cut); the producer
 * carries on throughout. Resolves once every confirmed message arrived (bounded), with the figures
 * the tests assert and the reliability table reports.
 */
export async function streamUnderFault(
  config: ConfigInput,
  fault: () => Promise<unknown>,
  options: { total?: number; batch?: number; key?: (n: number) => SendOptions['key'] } = {},
): Promise<FaultOutcome> {
  const total = options.total ?? 3000;
  const batchSize = options.batch ?? 20;
  const mq = await connect(config);
  try {
    const queue = mq.queue<number>(`fault-${randomUUID().slice(0, 8)}`);
    const received = new Set<number>();
    let deliveries = 0;
    let firstAfterFault = 0;
    let firstSentAfterFault = Number.POSITIVE_INFINITY;
    await queue.consumer({ group: 'g', concurrency: 16 }).run((m) => {
      deliveries++;
      received.add(m.body);
      if (m.body >= firstSentAfterFault) firstAfterFault ||= Date.now();
    });

    const producer = queue.producer();
    const confirmed: number[] = [];
    const failures: unknown[] = [];
    let next = 0;
    const producing = (async () => {
      for (; next < total; next += batchSize) {
        const batch = Array.from({ length: Math.min(batchSize, total - next) }, (_, i) => next + i);
        const outcomes = await Promise.allSettled(batch.map((n) => producer.send(n, { key: options.key?.(n) })));
        outcomes.forEach((outcome, i) =>
          outcome.status === 'fulfilled' ? confirmed.push(batch[i] as number) : failures.push(outcome.reason),
        );
      }
    })();

    await until(() => confirmed.length >= 500, '500 confirmed sends before the fault', 60_000);
    await fault();
    const faultEnded = Date.now();
    firstSentAfterFault = next + batchSize; // the batch in flight may have been sent before the fault ended
    await producing;
    const missing = () => confirmed.filter((n) => !received.has(n));
    await until(
      () => missing().length === 0,
      () =>
        `every confirmed message to arrive: ${missing().length} of ${confirmed.length} missing ` +
        `(first ${missing().slice(0, 10).join(', ')}), ${deliveries} deliveries, ${failures.length} sends failed`,
      180_000,
    );
    const recoveryMs = firstAfterFault ? Math.max(0, firstAfterFault - faultEnded) : null;
    return { confirmed, failures, received, deliveries, recoveryMs };
  } finally {
    await mq.close();
  }
}

/** The row of the reliability table for one outcome. */
export function faultRow(scenario: string, backend: string, outcome: FaultOutcome, notes = ''): ReliabilityRow {
  const delivered = outcome.confirmed.filter((n) => outcome.received.has(n)).length;
  return {
    scenario,
    backend,
    sent: outcome.confirmed.length,
    delivered,
    lost: outcome.confirmed.length - delivered,
    duplicated: outcome.deliveries - outcome.received.size,
    recoveryMs: outcome.recoveryMs,
    notes: [outcome.failures.length > 0 ? `${outcome.failures.length} sends failed (not confirmed)` : '', notes]
      .filter(Boolean)
      .join('; '),
  };
}
