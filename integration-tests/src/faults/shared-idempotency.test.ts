// Two consumer processes of one group share an idempotency store (Redis, PostgreSQL): every
// message is sent twice with one id, back to back, so that the copies reach both processes at
// once. Each id must run once across both; the other copy is acknowledged as a duplicate.
import { type ConfigInput, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { until } from '../until.ts';
import { startChildConsumer } from './child-process.ts';
import { recordRow } from './reliability.ts';

const backends = inject('backends');

for (const store of ['redis', 'postgres'] as const) {
  describe.runIf(backends.includes('rabbitmq'))(`rabbitmq, two processes sharing a ${store} idempotency store`, () => {
    it('run each id of a duplicated stream once between them', { timeout: 120_000 }, async (ctx) => {
      const config: ConfigInput = { backend: 'rabbitmq', url: inject('rabbitmqUrl') };
      const queue = `idem-${store}-${randomUUID().slice(0, 8)}`;
      const options = { config, queue, group: 'g', concurrency: 8, mode: 'work', workMs: 20, idempotency: store };
      const children = [await startChildConsumer(options), await startChildConsumer(options)];
      ctx.onTestFinished(() => children.forEach((child) => child.process.kill('SIGKILL')));
      const mq = await connect(config);
      ctx.onTestFinished(() => mq.close());
      const ids = Array.from({ length: 100 }, () => randomUUID());
      await mq
        .queue<number>(queue)
        .producer()
        .sendBatch(
          ids.flatMap((id, n) => [
            { body: n, id },
            { body: n, id },
          ]),
        );
      const handled = () => children.flatMap((child) => child.handled);
      const duplicates = () => children.flatMap((child) => child.duplicates);
      await until(() => handled().length + duplicates().length >= 200, 'all 200 copies handled or skipped', 90_000);
      const runs = new Map<string, number>();
      for (const id of handled()) runs.set(id, (runs.get(id) ?? 0) + 1);
      const twice = [...runs].filter(([, count]) => count > 1).length;
      recordRow({
        scenario: `two processes, shared idempotency store (${store})`,
        backend: 'rabbitmq',
        sent: 200,
        delivered: handled().length + duplicates().length,
        lost: ids.filter((id) => !runs.has(id)).length,
        duplicated: handled().length - runs.size,
        recoveryMs: null,
        notes: `100 ids sent twice; ${runs.size} ran, ${twice} of them twice; ${duplicates().length} copies skipped as duplicates; the two processes ran ${children.map((c) => c.handled.length).join(' and ')}`,
      });
      expect(twice).toBe(0);
      expect(ids.filter((id) => !runs.has(id))).toEqual([]);
      expect(children.every((child) => child.handled.length > 0)).toBe(true);
    });
  });
}
