// pnpm bench [--quick] [--backends memory,rabbitmq,kafka,zeromq,nats,redis]
// Runs every workload through the raw client and through anymq (throughput also with tracing on), alternating, each in a fresh
// process, after a warm-up, for several rounds; prints a Markdown table of medians and spreads and
// writes results/latest.json and results/latest.svg (quick.* under --quick). It measures; it asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { Backend, Result, Spec } from './workloads.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, backends: { type: 'string' } } });
const quick = values.quick ?? false;
const backends = (values.backends ?? 'memory,zeromq,rabbitmq,kafka,nats,redis').split(',') as Backend[];
const rounds = quick ? 1 : 3;
const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));
const results = fileURLToPath(new URL('../results/', import.meta.url));

/** Message counts per backend and size: enough for a steady state, small under --quick. */
const counts: Record<Backend, Record<number, number>> = {
  memory: { 100: 1_000_000, 10_240: 200_000 },
  zeromq: { 100: 100_000, 10_240: 20_000 },
  rabbitmq: { 100: 20_000, 10_240: 5_000 },
  kafka: { 100: 50_000, 10_240: 10_000 },
  nats: { 100: 20_000, 10_240: 5_000 },
  redis: { 100: 50_000, 10_240: 10_000 },
};
const latencyRate: Record<Backend, number> = {
  memory: 2000,
  zeromq: 2000,
  rabbitmq: 1000,
  kafka: 500,
  nats: 1000,
  redis: 1000,
};

async function brokers(): Promise<{ spec: Partial<Spec>; stop: () => Promise<void> }> {
  const spec: Partial<Spec> = {};
  const stops: (() => Promise<void>)[] = [];
  const { startTestBroker } = await import('@anymq/integration-tests/src/test-brokers.ts');
  const start = async (kind: 'rabbitmq' | 'kafka' | 'nats' | 'redis') => {
    const broker = await startTestBroker(kind);
    stops.push(() => broker.stop());
    return broker;
  };
  if (backends.includes('rabbitmq')) spec.rabbitmqUrl = (await start('rabbitmq')).url;
  if (backends.includes('kafka')) spec.kafkaBrokers = [...(await start('kafka')).hosts];
  if (backends.includes('nats')) spec.natsServers = [...(await start('nats')).hosts];
  if (backends.includes('redis')) spec.redisUrl = (await start('redis')).url;
  return { spec, stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}

function once(spec: Spec): Result {
  const output = execFileSync(process.execPath, [worker, JSON.stringify(spec)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: quick ? 120_000 : 600_000,
  });
  return JSON.parse(output.trim().split('\n').pop() as string) as Result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const spread = (xs: number[]) => (xs.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / median(xs) : 0);

interface Row {
  backend: Backend;
  workload: string;
  metric: string;
  unit: string;
  raw: number;
  anymq: number;
  ratio: number;
  spread: { raw: number; anymq: number };
}
const rows: Row[] = [];

const { spec: brokerSpec, stop } = await brokers();
try {
  for (const backend of backends) {
    for (const size of [100, 10_240]) {
      const count = Math.max(200, Math.round((counts[backend][size] as number) / (quick ? 50 : 1)));
      const workload = `${size === 100 ? '100 B' : '10 KiB'}`;
      for (const kind of ['throughput', 'latency'] as const) {
        const base: Spec = {
          ...brokerSpec,
          backend,
          impl: 'raw',
          kind,
          size,
          count: kind === 'latency' ? Math.min(count, quick ? 200 : 5000) : count,
          rate: latencyRate[backend],
        };
        if (!quick) {
          once({ ...base, impl: 'raw' }); // warm-up: page cache, broker JIT and queues, discarded
          once({ ...base, impl: 'anymq' });
          if (kind === 'throughput') once({ ...base, impl: 'traced' });
        }
        // runBatch against run where batch consumers are what Kafka and RabbitMQ users reach for.
        const batched = kind === 'throughput' && (backend === 'kafka' || backend === 'rabbitmq');
        // Throughput is measured with tracing on too (@anymq/otel, SDK exporting nowhere): its cost.
        const impls: Spec['impl'][] =
          kind === 'throughput'
            ? ['raw', 'anymq', 'traced', ...(batched ? (['batch'] as const) : [])]
            : ['raw', 'anymq'];
        const samples: Record<Spec['impl'], Result[]> = { raw: [], anymq: [], traced: [], batch: [] };
        for (let round = 0; round < rounds; round++) {
          for (const impl of round % 2 === 0 ? impls : [...impls].reverse()) {
            samples[impl].push(once({ ...base, impl }));
          }
        }
        const metrics = kind === 'throughput' ? ['producer', 'consumer'] : ['p50', 'p99', 'p999'];
        const cells = metrics.flatMap((metric) => [
          { metric, impl: 'anymq' as const },
          ...(kind === 'throughput' ? [{ metric, impl: 'traced' as const }] : []),
          ...(batched && metric === 'consumer' ? [{ metric, impl: 'batch' as const }] : []),
        ]);
        for (const { metric, impl } of cells) {
          const raw = samples.raw.map((r) => r[metric] as number);
          const anymq = samples[impl].map((r) => r[metric] as number);
          const higherIsBetter = kind === 'throughput';
          // Latencies are measured to 0.01 ms: below that, both count as 0.01 (0 vs 0 is a ratio of 1, not 0).
          const atResolution = (ms: number) => Math.max(ms, 0.01);
          const ratio = higherIsBetter
            ? median(anymq) / median(raw)
            : atResolution(median(raw)) / atResolution(median(anymq));
          rows.push({
            backend,
            workload,
            metric:
              kind === 'throughput'
                ? `${metric} throughput${impl === 'traced' ? ', tracing on' : impl === 'batch' ? ', runBatch' : ''}`
                : `latency ${metric === 'p999' ? 'p99.9' : metric} at ${latencyRate[backend]}/s`,
            unit: kind === 'throughput' ? 'msg/s' : 'ms',
            raw: median(raw),
            anymq: median(anymq),
            ratio: Number(ratio.toFixed(3)),
            spread: { raw: Number(spread(raw).toFixed(3)), anymq: Number(spread(anymq).toFixed(3)) },
          });
          console.error(
            `${backend} ${workload} ${rows.at(-1)?.metric}: raw ${median(raw)}, anymq ${median(anymq)}, ratio ${ratio.toFixed(2)}`,
          );
        }
      }
    }
  }
} finally {
  await stop();
}

const format = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : String(n));
const pct = (x: number) => `±${Math.round(x * 50)}%`; // half the max-min range, relative to the median
console.log(
  `\n| backend | workload | metric | raw | anymq | ratio (higher is better for anymq) |\n|---|---|---|---|---|---|`,
);
for (const row of rows) {
  console.log(
    `| ${row.backend} | ${row.workload} | ${row.metric} | ${format(row.raw)} ${row.unit} ${pct(row.spread.raw)} | ` +
      `${format(row.anymq)} ${row.unit} ${pct(row.spread.anymq)} | ${row.ratio.toFixed(2)} |`,
  );
}
console.log(
  `\n${rounds} round(s) per cell, medians; raw and anymq alternate in fresh processes${quick ? ' (--quick: small counts, no warm-up)' : ' after a warm-up'}.`,
);

mkdirSync(results, { recursive: true });
const name = quick ? 'quick' : 'latest'; // a smoke run never overwrites the committed figures
writeFileSync(
  `${results}${name}.json`,
  `${JSON.stringify(
    rows.map(({ spread: _spread, ...row }) => row),
    null,
    2,
  )}\n`,
);
const chart = vegaLite.compile({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'anymq / raw client (higher is better; 1 = parity)',
  data: { values: rows.map((row) => ({ ...row, cell: `${row.workload} ${row.metric}` })) },
  width: 260,
  height: { step: 14 },
  facet: { row: { field: 'backend', type: 'nominal', title: null } },
  spec: {
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'cell', type: 'nominal', title: null, sort: null },
          x: { field: 'ratio', type: 'quantitative', title: 'ratio' },
          color: { field: 'unit', type: 'nominal', title: 'metric' },
        },
      },
      { mark: { type: 'rule', color: 'black' }, encoding: { x: { datum: 1 } } },
    ],
  },
  resolve: { scale: { y: 'independent' } },
} as vegaLite.TopLevelSpec).spec;
const svg = await new vega.View(vega.parse(chart), { renderer: 'none' }).toSVG();
writeFileSync(`${results}${name}.svg`, svg);
console.log(`wrote ${results}${name}.json and ${results}${name}.svg`);
