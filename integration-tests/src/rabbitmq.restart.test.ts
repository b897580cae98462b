import { describe, expect, inject, it } from 'vitest';
import { startRabbitmq } from './rabbitmq-broker.ts';
import { describeOutcome, restartMidStream } from './restart-scenario.ts';

const selected = inject('backends').includes('rabbitmq');

describe.runIf(selected)('rabbitmq broker restart', () => {
  it('delivers every confirmed message at least once, and the consumer resumes by itself', { timeout: 300_000 }, async (ctx) => {
    if (process.env.ANYMQ_RABBITMQ_URL) ctx.skip('not applicable: needs a container to restart (ANYMQ_RABBITMQ_URL is set)');
    const broker = await startRabbitmq();
    ctx.onTestFinished(() => broker.stop());
    const outcome = await restartMidStream({ backend: 'rabbitmq', url: broker.url, publishTimeoutMs: 120_000 }, () => broker.restart());
    console.log(describeOutcome('rabbitmq', outcome));
    expect(outcome.failures).toEqual([]); // sends made during the outage waited for the broker
    expect(outcome.acknowledged).toHaveLength(3000);
    expect(outcome.deliveriesAfterRestart).toBeGreaterThan(0); // the consumer resumed without help
  });
});
