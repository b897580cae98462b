import type { ConfigInput } from '@anymq/core';
import { runOrderProcessing } from '@anymq/example-order-processing/src/order-processing.ts';
import { runPushNotifications } from '@anymq/example-push-notifications/src/push-notifications.ts';
import { runTaskScheduling } from '@anymq/example-task-scheduling/src/task-scheduling.ts';
import { describe, expect, inject, it } from 'vitest';
import { redisConfig } from './redis-config.ts';

// The examples take their backend from config alone (ANYMQ_URL for a user): the same code runs on
// every real broker here.
const backends: [string, () => ConfigInput][] = [
  ['rabbitmq', () => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') })],
  ['kafka', () => ({ backend: 'kafka', brokers: inject('kafkaBrokers') })],
  ['nats', () => ({ backend: 'nats', servers: inject('natsServers') })],
  ['redis', () => redisConfig(inject('redisUrl'))],
];
/** NATS stores a resend with the same id once: the example's 3 duplicate sends never arrive. */
const dropsResends = new Set(['nats']);
/** Backends without `delayMs` on send, which task-scheduling needs. */
const noDelayedDelivery = new Set(['nats']);

for (const [backend, config] of backends) {
  describe.runIf(inject('backends').includes(backend))(`examples on ${backend}`, () => {
    it('order-processing pays each order at most once and settles every message', { timeout: 120_000 }, async () => {
      const summary = await runOrderProcessing({ config: config(), seed: 3, orders: 30 });
      expect(new Set(summary.processed).size).toBe(summary.processed.length);
      expect(new Set([...summary.processed, ...summary.deadLettered]).size).toBe(30);
      const duplicatesSent = dropsResends.has(backend) ? 0 : 3;
      expect(summary.processed.length + summary.deadLettered.length + summary.duplicatesAbsorbed).toBe(
        30 + duplicatesSent,
      );
    });

    it('push-notifications reaches every user on every channel', { timeout: 120_000 }, async () => {
      const delivered = await runPushNotifications({ config: config(), users: 20 });
      for (const channel of ['email', 'sms', 'push'] as const) expect(new Set(delivered[channel]).size).toBe(20);
    });

    it('task-scheduling runs every job, none before it was due', { timeout: 120_000 }, async (ctx) => {
      if (noDelayedDelivery.has(backend)) ctx.skip(`not applicable: ${backend} has no delayMs on send yet`);
      const runs = await runTaskScheduling({ config: config() });
      expect(runs.map((run) => run.name).sort()).toEqual([
        'flaky-export',
        'heartbeat',
        'heartbeat',
        'heartbeat',
        'nightly-report',
        'send-invoices',
      ]);
      for (const run of runs) expect(run.lateByMs).toBeGreaterThanOrEqual(-2);
    });
  });
}
