import { describe, expect, inject, it } from 'vitest';
import { startKafka } from './kafka-broker.ts';
import { describeOutcome, restartMidStream } from './restart-scenario.ts';

const selected = inject('backends').includes('kafka');

describe.runIf(selected)('kafka broker restart', () => {
  it('delivers every acknowledged send, and the consumer resumes from committed offsets', { timeout: 360_000 }, async (ctx) => {
    if (process.env.ANYMQ_KAFKA_BROKERS) ctx.skip('not applicable: needs a container to restart (ANYMQ_KAFKA_BROKERS is set)');
    const broker = await startKafka();
    ctx.onTestFinished(() => broker.stop());
    const outcome = await restartMidStream({ backend: 'kafka', brokers: broker.brokers }, () => broker.restart(), {
      batch: 50,
      key: (n) => `k${n % 7}`,
    });
    console.log(describeOutcome('kafka', outcome));
    // Kafka's client retries through the outage; a send that still failed was never acknowledged.
    expect(outcome.acknowledged.every((n) => outcome.received.has(n))).toBe(true);
    expect(outcome.deliveriesAfterRestart).toBeGreaterThan(0);
  });
});
