// `anymq dlq <queue> replay` end to end on real brokers: messages a broken handler dead-lettered
// go back to their queue with id, key, body and headers kept and attempts reset, once the handler
// is fixed; a second replay finds nothing.
import { Inbox } from '@anymq/contract';
import { connect } from '@anymq/core';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { brokerUrls } from './broker-urls.ts';

const cli = fileURLToPath(new URL('../node_modules/@anymq/cli/dist/cli.js', import.meta.url));
const backends = inject('backends');
/** Brokers that store a message resent with the same id once (NATS's duplicate window): replay needs --new-ids. */
const dropsResentIds = new Set(['nats']);

const urls = brokerUrls;

/** Runs the CLI without blocking this process's event loop (its consumers keep their heartbeats). */
function anymq(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

for (const [backend, url] of urls) {
  describe.runIf(backends.includes(backend))(`anymq dlq on ${backend}`, () => {
    it(
      'list and show read them without removing; replay sends them back as first sent; a second replay finds none',
      { timeout: 240_000 },
      async (ctx) => {
        const mq = await connect(url());
        const queue = `replay-${randomUUID().slice(0, 8)}`;
        ctx.onTestFinished(async () => {
          await mq.deleteQueue(queue, { groups: ['billing'] }).catch(() => undefined);
          await mq.deleteQueue(`${queue}.dlq`, { groups: ['anymq-dlq'] }).catch(() => undefined);
          await mq.close();
        });
        let fixed = false;
        const failed = new Inbox<string>();
        const handled = new Inbox<{
          id: string;
          attempt: number;
          body: number;
          trace: string | undefined;
          key: string | undefined;
        }>();
        await mq
          .queue<number>(queue)
          .consumer({ group: 'billing', retry: { maxAttempts: 1 } })
          .run((m) => {
            if (!fixed) {
              failed.push(m.id);
              throw new Error('the card service is down');
            }
            const id = m.headers['replay-of'] ?? m.id; // with --new-ids, the original id is in replay-of
            handled.push({ id, attempt: m.attempt, body: m.body, trace: m.headers.trace, key: m.key });
          });
        const producer = mq.queue<number>(queue).producer();
        for (const n of [1, 2, 3])
          await producer.send(n, { id: `order-${n}`, key: `customer-${n}`, headers: { trace: `t-${n}` } });
        await failed.waitFor(3, 'three failures', 30_000);
        // Dead-lettering is the failure's settlement: wait for the broker to count all three.
        for (let i = 0; (await mq.inspect(queue)).deadLetters !== 3; i++) {
          if (i > 300) throw new Error(`the dead-letter queue of ${queue} did not reach 3 messages`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        fixed = true;

        // list and show read without removing: the replay below still finds all three.
        const listed = await anymq(['--url', url(), 'dlq', queue, 'list', '--idle', '3000']);
        expect(listed.status, listed.stderr).toBe(0);
        expect(listed.stdout).toContain('listed 3 messages');
        expect(listed.stdout).toMatch(
          new RegExp(`^order-2  Error  attempt 1  from ${queue}/billing  \\d{4}-.*  the card service is down$`, 'm'),
        );
        const shown = await anymq(['--url', url(), 'dlq', queue, 'show', 'order-3', '--idle', '3000']);
        expect(shown.status, shown.stderr).toBe(0);
        expect(JSON.parse(shown.stdout)).toMatchObject({
          id: 'order-3',
          key: 'customer-3',
          body: 3,
          headers: { trace: 't-3', 'x-anymq-error': 'the card service is down' },
        });
        const missing = await anymq(['--url', url(), 'dlq', queue, 'show', 'order-9', '--idle', '2000']);
        expect(missing.status).toBe(2);
        expect(missing.stderr).toContain('no message order-9 among the 3 read');

        const replay = ['--url', url(), 'dlq', queue, 'replay'];
        if (dropsResentIds.has(backend)) {
          // Keeping the ids would have the broker drop the replay, and the dead letters acked: refused.
          const refused = await anymq([...replay, '--idle', '1000']);
          expect(refused.status).toBe(2);
          expect(refused.stderr).toContain('Fix: add --new-ids');
          replay.push('--new-ids');
        }
        // --max 1 takes one; what it read beyond that goes back to the dead-letter queue untouched.
        const first = await anymq([...replay, '--idle', '4000', '--max', '1']);
        expect(first.status, first.stderr).toBe(0);
        expect(first.stdout).toContain('replayed 1 message\n');
        const replayed = await anymq([...replay, '--idle', '4000']);
        expect(replayed.status, replayed.stderr).toBe(0);
        expect(replayed.stdout).toContain('replayed 2 messages');
        expect(`${first.stdout}${replayed.stdout}`).toContain(`replayed to ${queue}: order-1 (Error)`);
        const got = await handled.waitFor(3, 'the replayed messages', 30_000);
        expect([...got].sort((a, b) => a.body - b.body)).toEqual(
          [1, 2, 3].map((n) => ({ id: `order-${n}`, attempt: 1, body: n, trace: `t-${n}`, key: `customer-${n}` })),
        );

        const again = await anymq([...replay, '--idle', '2000']);
        expect(again.status, again.stderr).toBe(0);
        expect(again.stdout).toContain('replayed 0 messages');
        expect(handled.items).toHaveLength(3);
      },
    );
  });
}
