// A slow consumer behind a fast producer: the client's memory must stay bounded (the backlog lives
// in the broker, or, for the memory transport with a capacity, the producer is made to wait).
// While 20,000 messages of 10 KiB (195 MB) go through, live memory (heap and buffers right after a
// forced collection: what the process holds on to, not garbage not yet collected) is sampled
// every 50 ms; the row records its peak, and the peak RSS.
import { type ConfigInput, bytesCodec, connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { redisConfig } from '../redis-config.ts';
import { until } from '../until.ts';
import { recordRow } from './reliability.ts';

const backends = inject('backends');
const count = 20_000;
const bodyBytes = 10 * 1024;
const capacity = 500;
const window = 256; // sends the producer keeps in flight

const cases: { backend: string; config: () => ConfigInput; runIf: boolean }[] = [
  { backend: 'memory', config: () => ({ backend: 'memory', capacity }), runIf: true },
  {
    backend: 'rabbitmq',
    config: () => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }),
    runIf: backends.includes('rabbitmq'),
  },
  {
    backend: 'kafka',
    config: () => ({ backend: 'kafka', brokers: inject('kafkaBrokers') }),
    runIf: backends.includes('kafka'),
  },
  {
    backend: 'redis',
    config: () => ({ ...redisConfig(inject('redisUrl')) }),
    runIf: backends.includes('redis'),
  },
  {
    backend: 'nats',
    config: () => ({ backend: 'nats', servers: inject('natsServers') }),
    runIf: backends.includes('nats'),
  },
];

for (const { backend, config, runIf } of cases) {
  describe.runIf(runIf)(`${backend}: slow consumer behind a fast producer`, () => {
    it('memory stays bounded and nothing is lost', { timeout: 300_000 }, async () => {
      const mq = await connect(config());
      try {
        const queue = mq.queue<Uint8Array>(`slow-${randomUUID().slice(0, 8)}`, { codec: bytesCodec });
        const seen = new Set<number>();
        let handled = 0;
        await queue.consumer({ group: 'g', concurrency: 4 }).run(async (m) => {
          await sleep(1); // the slow part: work that takes a millisecond
          seen.add(Buffer.from(m.body).readUInt32BE(0));
          handled++;
        });
        const collect = globalThis.gc;
        if (!collect) throw new Error('run with --expose-gc (vitest.faults.config.ts sets it)');
        const live = () => {
          collect();
          const usage = process.memoryUsage();
          return usage.heapUsed + usage.arrayBuffers;
        };
        const baseline = live();
        const rssBaseline = process.memoryUsage().rss;
        let peak = baseline;
        let rssPeak = rssBaseline;
        let mostAhead = 0;
        let sent = 0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, live());
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          mostAhead = Math.max(mostAhead, sent - handled);
        }, 50);
        const producer = queue.producer();
        const started = Date.now();
        try {
          const inFlight = new Set<Promise<unknown>>();
          for (let n = 0; n < count; n++) {
            const body = Buffer.alloc(bodyBytes);
            body.writeUInt32BE(n, 0);
            const sending = producer.send(body).then(() => {
              sent++;
              inFlight.delete(sending);
            });
            inFlight.add(sending);
            if (inFlight.size >= window) await Promise.race(inFlight);
          }
          await Promise.all(inFlight);
          const producerMs = Date.now() - started;
          await until(() => handled >= count, `all ${count} messages handled`, 240_000);
          const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
          const growthMb = mb(peak - baseline);
          recordRow({
            scenario: 'slow consumer, fast producer (20,000 x 10 KiB)',
            backend,
            sent: count,
            delivered: seen.size,
            lost: count - seen.size,
            duplicated: handled - seen.size,
            recoveryMs: null,
            notes: `peak live memory +${growthMb} MB (RSS +${mb(rssPeak - rssBaseline)} MB) for 195 MB sent; producer done in ${producerMs} ms, consumer in ${Date.now() - started} ms; at most ${mostAhead} sent ahead of handled`,
          });
          expect(seen.size).toBe(count);
          // Bounded: under half of the 195 MB that went through, so the backlog is not in this process.
          // (kafkajs' producer alone keeps a working set of 45-65 MB here, whatever the count.)
          expect(growthMb).toBeLessThan(96);
          // The memory transport holds at most `capacity` messages: the producer was made to wait.
          if (backend === 'memory') expect(mostAhead).toBeLessThanOrEqual(capacity + window + 4);
        } finally {
          clearInterval(sampler);
        }
      } finally {
        await mq.close();
      }
    });
  });
}
