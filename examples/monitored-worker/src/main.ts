// ANYMQ_URL=amqp://guest:guest@127.0.0.1:5672 PORT=9464 node src/main.ts, then scrape
// http://127.0.0.1:9464/metrics (alerts.yml has rules for it) and probe /healthz.
import { startWorker } from './worker.ts';

const worker = await startWorker({
  config: process.env.ANYMQ_URL ?? 'memory://',
  port: Number(process.env.PORT ?? 9464),
  queue: process.env.QUEUE ?? 'orders',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void worker.stop().then(() => process.exit(0)));
}
console.log(`monitored worker: ${worker.url}/metrics and ${worker.url}/healthz`);
