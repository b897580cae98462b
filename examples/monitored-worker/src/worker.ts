import { type ConfigInput, connect } from '@anymq/core';
import { openTelemetry, queueMetrics } from '@anymq/otel';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WorkerOptions {
  config: ConfigInput;
  /** Where /metrics and /healthz are served (0: any free port). */
  port: number;
  queue?: string;
  /** Orders sent per second by the worker's own producer, so that there is something to watch. */
  ordersPerSecond?: number;
  /** One order in this many fails every attempt and is dead-lettered. */
  failEvery?: number;
}

interface Order {
  readonly n: number;
  readonly fails: boolean;
}

/**
 * A worker an operator can watch. It handles orders as group `workers`, and serves, on one port:
 * /metrics for Prometheus (OpenTelemetry's exporter: `@anymq/otel`'s messaging metrics, and the
 * queue's depth, in-flight and dead-letter gauges read from the broker at each scrape) and /healthz
 * for readiness probes (`client.health()`: 200 when the broker answers, 503 when it does not).
 */
export async function startWorker(options: WorkerOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const queue = options.queue ?? 'orders';
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const mq = await connect(options.config, { middleware: [openTelemetry({ meterProvider })] });
  const stopGauges = queueMetrics(mq, { queues: [{ queue, groups: ['workers'] }], meterProvider });

  const server = createServer((request, response) => {
    if (request.url === '/metrics') return exporter.getMetricsRequestHandler(request, response);
    if (request.url === '/healthz') {
      void mq.health({ timeoutMs: 2_000 }).then((health) => {
        response.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify(health));
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const orders = mq.queue<Order>(queue);
  const consumer = orders.consumer({
    group: 'workers',
    concurrency: 4,
    retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 50 },
  });
  await consumer.run(async (message) => {
    await new Promise((resolve) => setTimeout(resolve, 5)); // the work
    if (message.body.fails) throw new Error(`order ${message.body.n}: card declined`);
  });
  const producer = orders.producer();
  const failEvery = options.failEvery ?? 10;
  let n = 0;
  const sending = setInterval(
    () => {
      n++;
      producer.send({ n, fails: n % failEvery === 0 }).catch(() => undefined); // a failed send shows in the metrics
    },
    1000 / (options.ordersPerSecond ?? 20),
  );

  return {
    url,
    async stop() {
      clearInterval(sending);
      stopGauges();
      await mq.close();
      await new Promise((resolve) => server.close(resolve));
      await meterProvider.shutdown();
    },
  };
}
