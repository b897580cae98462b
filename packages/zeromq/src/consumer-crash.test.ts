import { Inbox } from '@anymq/contract';
import { connect } from '@anymq/core';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ZmqBrokeredTransport } from './brokered-transport.js';
import { ZmqProxy } from './proxy.js';

const fixture = fileURLToPath(new URL('../test-fixtures/doomed-consumer.mjs', import.meta.url));

describe('zeromq brokered: a consumer process killed mid-stream', () => {
  const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*', heartbeatTimeoutMs: 500 });
  afterAll(() => proxy.close());

  it('has its unacknowledged messages delivered to another consumer of the group', { timeout: 30_000 }, async () => {
    await proxy.start();
    const queue = `crash-${Date.now()}`;
    const child = spawn(process.execPath, [fixture, proxy.endpoint, queue], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const lines = new Inbox<string>();
      createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
      await lines.waitFor(1, 'the child consumer to be ready', 10_000);

      const mq = await connect(
        new ZmqBrokeredTransport({ backend: 'zeromq', address: proxy.endpoint, heartbeatIntervalMs: 100 }),
      );
      const producer = mq.queue<number>(queue).producer();
      await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ body: i })));
      await lines.waitFor(6, 'the child to hold five messages', 10_000);
      const held = lines.items.filter((l) => l.startsWith('held ')).map((l) => Number(l.slice(5)));

      const survivor = new Inbox<{ body: number; attempt: number }>();
      await mq
        .queue<number>(queue)
        .consumer({ group: 'workers', concurrency: 10 })
        .run((m) => survivor.push({ body: m.body, attempt: m.attempt }));
      await producer.sendBatch(Array.from({ length: 15 }, (_, i) => ({ body: 5 + i })));
      await survivor.waitFor(15, 'the messages sent after the survivor joined', 10_000);

      child.kill('SIGKILL');
      await exited;
      await survivor.waitFor(20, "the killed consumer's five messages, after its heartbeats stop", 10_000);
      expect(held.sort()).toEqual([0, 1, 2, 3, 4]);
      expect(new Set(survivor.items.map((m) => m.body))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)));
      // Abandoned by a consumer that died holding them: that delivery counts as an attempt, so a
      // message that kills every consumer it reaches ends in the dead-letter queue, not in a loop.
      expect(survivor.items.filter((m) => held.includes(m.body)).map((m) => m.attempt)).toEqual([2, 2, 2, 2, 2]);
      await mq.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
