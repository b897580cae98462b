// Monitoring for real: the monitored-worker example runs against a real broker while a real
// Prometheus (Debian's package) scrapes its /metrics and loads its alert rules; the test reads
// the anymq metrics back through Prometheus' HTTP API, as a dashboard or an alert would.
import { startWorker } from '@anymq/example-monitored-worker/src/worker.ts';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '@anymq/testing';
import { retryUntil } from './until.ts';
import { brokerUrls } from './broker-urls.ts';

const example = fileURLToPath(new URL('../../examples/monitored-worker/', import.meta.url));
const backends = inject('backends');

describe('alert rules', () => {
  it('pass promtool check rules and their unit tests (promtool test rules)', () => {
    for (const args of [
      ['check', 'rules', 'alerts.yml'],
      ['test', 'rules', 'alerts.test.yml'],
    ]) {
      const run = spawnSync('promtool', args, { cwd: example, encoding: 'utf8' });
      expect(run.status, `promtool ${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0);
    }
  });
});

/** The issue asks for RabbitMQ and Kafka: the brokers most teams run Prometheus beside. */
const urls = brokerUrls.filter(([backend]) => backend === 'rabbitmq' || backend === 'kafka');

/** One value of an instant query, or undefined while Prometheus has none. */
async function query(prometheus: string, promql: string): Promise<number | undefined> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const { data } = (await response.json()) as { data: { result: { value: [number, string] }[] } };
  const [first] = data.result;
  return first ? Number(first.value[1]) : undefined;
}

for (const [backend, url] of urls) {
  describe.runIf(backends.includes(backend))(`Prometheus scraping a worker on ${backend}`, () => {
    it('reads sent, consumed, process duration, queue depth and dead letters', { timeout: 150_000 }, async (ctx) => {
      const queue = `monitored-${randomUUID().slice(0, 8)}`;
      const worker = await startWorker({ config: url(), port: 0, queue, ordersPerSecond: 20, failEvery: 5 });
      ctx.onTestFinished(() => worker.stop());
      const health = await fetch(`${worker.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ backend, ok: true });

      const dir = mkdtempSync(join(tmpdir(), 'anymq-prometheus-'));
      const port = await freePort();
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          `rule_files: ['${join(example, 'alerts.yml')}']`,
          'scrape_configs:',
          `  - { job_name: worker, static_configs: [{ targets: ['${new URL(worker.url).host}'] }] }`,
        ].join('\n'),
      );
      const prometheus: ChildProcess = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      );
      ctx.onTestFinished(() => {
        prometheus.kill();
        rmSync(dir, { recursive: true, force: true });
      });
      const api = `http://127.0.0.1:${port}`;
      const on = `messaging_destination_name="${queue}"`;
      const expectAbove = async (promql: string, least: number) => {
        const value = await query(api, promql);
        expect(value, promql).toBeGreaterThanOrEqual(least);
      };
      await retryUntil(
        async () => {
          await expectAbove(`sum(messaging_client_sent_messages_total{${on}})`, 20);
          await expectAbove(
            `sum(messaging_client_consumed_messages_total{${on},messaging_consumer_group_name="workers"})`,
            20,
          );
          await expectAbove(`sum(messaging_process_duration_count{${on},error_type="Error"})`, 1);
          await expectAbove(`sum(messaging_client_operation_duration_count{${on},messaging_operation_name="ack"})`, 1);
          await expectAbove(`anymq_queue_dead_letters{${on}}`, 1);
          await expectAbove(`count(anymq_queue_waiting{${on},messaging_consumer_group_name="workers"})`, 1);
        },
        `Prometheus to have scraped the worker's anymq metrics for ${queue}`,
        120_000,
      );
      // Loaded, and evaluated without error against the scraped series.
      await retryUntil(
        async () => {
          const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as {
            data: { groups: { rules: { name: string; health: string }[] }[] };
          };
          const loaded = rules.data.groups.flatMap((group) => group.rules);
          expect(loaded.map((rule) => `${rule.name}:${rule.health}`).sort()).toEqual([
            'AnymqConsumerLagHigh:ok',
            'AnymqDeadLettersGrowing:ok',
            'AnymqHandlerErrorRatioHigh:ok',
            'AnymqNoConsumer:ok',
          ]);
        },
        'the alert rules to be loaded and evaluated',
        30_000,
      );
    });
  });
}
