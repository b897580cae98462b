import { randomUUID } from 'node:crypto';
import { type Client, bytesCodec } from '@anymq/core';
import { SingleBar } from 'cli-progress';
import { percentile } from '../percentiles.js';

export interface BenchOptions {
  messages: string;
  size: string;
  concurrency: string;
}

/**
 * anymq bench: sends `messages` bodies of `size` bytes to a fresh queue while one consumer receives
 * them, then prints producer and consumer throughput and end-to-end latency percentiles. A progress
 * bar runs on standard error when it is a terminal.
 */
export async function bench(
  mq: Client,
  options: BenchOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WriteStream,
): Promise<void> {
  const total = Number(options.messages);
  const size = Number(options.size);
  const queue = mq.queue<Uint8Array>(`anymq-bench-${randomUUID().slice(0, 8)}`, { codec: bytesCodec });
  const latencies: number[] = [];
  let firstReceived = 0;
  let lastReceived = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const bar = err.isTTY
    ? new SingleBar({ format: 'bench [{bar}] {percentage}% | {value}/{total} received', stream: err })
    : undefined;
  bar?.start(total, 0);
  await queue.consumer({ group: 'bench', concurrency: Number(options.concurrency) }).run((message) => {
    const now = Date.now();
    firstReceived ||= performance.now();
    lastReceived = performance.now();
    latencies.push(now - message.timestamp);
    bar?.increment();
    if (latencies.length === total) done();
  });
  const producer = queue.producer();
  const body = Buffer.alloc(size, 0x61);
  const started = performance.now();
  for (let sent = 0; sent < total; sent += 500) {
    await Promise.all(Array.from({ length: Math.min(500, total - sent) }, () => producer.send(body)));
  }
  const sentMs = performance.now() - started;
  await finished;
  bar?.stop();
  latencies.sort((a, b) => a - b);
  const rate = (count: number, ms: number) => Math.round(count / (ms / 1000)).toLocaleString('en-US');
  out.write(
    `backend ${mq.backend}, ${total} messages of ${size} bytes\n` +
      `producer: ${rate(total, sentMs)} msg/s (confirmed)\n` +
      `consumer: ${rate(total, Math.max(1, lastReceived - firstReceived))} msg/s (acked)\n` +
      `latency: p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, p99.9 ${percentile(latencies, 0.999)} ms\n`,
  );
}
