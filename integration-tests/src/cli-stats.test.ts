// `anymq stats` against real brokers: the JSON an operator's script reads, and the live table in a
// real terminal (tmux): start it, read the screen, send more, see the numbers move, stop it.
import { connect } from '@anymq/core';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { until } from './until.ts';
import { brokerUrls } from './broker-urls.ts';

const cli = fileURLToPath(new URL('../node_modules/@anymq/cli/dist/cli.js', import.meta.url));
const backends = inject('backends');

/** The URL a user passes to the CLI for each broker. */
const urls = brokerUrls;

/** A queue with an idle group `g` holding `count` messages. */
async function queueWithWaiting(
  url: string,
  count: number,
): Promise<{ queue: string; send: (n: number) => Promise<void>; close: () => Promise<void> }> {
  const mq = await connect(url);
  const queue = `stats-${randomUUID().slice(0, 8)}`;
  const consumer = mq.queue<number>(queue).consumer({ group: 'g' });
  await consumer.run(() => undefined);
  await consumer.close();
  const send = (n: number) =>
    mq
      .queue<number>(queue)
      .producer()
      .sendBatch(Array.from({ length: n }, (_, body) => ({ body })))
      .then(() => undefined);
  await send(count);
  return {
    queue,
    send,
    close: async () => {
      await mq.deleteQueue(queue, { groups: ['g'] }).catch(() => undefined);
      await mq.close();
    },
  };
}

for (const [backend, url] of urls) {
  describe.runIf(backends.includes(backend))(`anymq stats on ${backend}`, () => {
    it('--json --once prints what waits for a group and the dead letters', { timeout: 60_000 }, async (ctx) => {
      const { queue, close } = await queueWithWaiting(url(), 5);
      ctx.onTestFinished(close);
      let last = '';
      await until(
        () => {
          const run = spawnSync(
            process.execPath,
            [cli, '--url', url(), 'stats', queue, '--group', 'g', '--json', '--once'],
            {
              encoding: 'utf8',
              timeout: 30_000,
            },
          );
          expect(run.status, run.stderr).toBe(0);
          last = run.stdout;
          const [line, ...more] = run.stdout.trim().split('\n');
          expect(more).toEqual([]);
          const { queues } = JSON.parse(line as string);
          return queues[0]?.groups[0]?.waiting === 5;
        },
        'stats --json to show 5 waiting',
        30_000,
      );
      const { queues } = JSON.parse(last);
      expect(queues).toEqual([
        expect.objectContaining({
          queue,
          deadLetters: 0,
          groups: [expect.objectContaining({ group: 'g', waiting: 5 })],
        }),
      ]);
    });
  });
}

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

describe.runIf(backends.includes('redis'))('anymq stats in a terminal', () => {
  it('shows the table, refreshes it as messages arrive, and stops on Ctrl-C', { timeout: 90_000 }, async (ctx) => {
    const redisUrl = inject('redisUrl');
    const { queue, send, close } = await queueWithWaiting(redisUrl, 5);
    ctx.onTestFinished(close);
    const session = `anymq-stats-${randomUUID().slice(0, 8)}`;
    const command = [process.execPath, cli, '--url', redisUrl, 'stats', queue, '--interval', '300']
      .map((part) => `'${part}'`)
      .join(' ');
    // The command, then a marker once it exits, so that the test can see Ctrl-C end it.
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '20', `${command}; echo "stats exited $?"; sleep 30`);
    ctx.onTestFinished(() => void spawnSync('tmux', ['kill-session', '-t', session]));
    const screen = () => tmux('capture-pane', '-p', '-t', session);
    const rowOf = (text: string) => text.split('\n').find((line) => line.startsWith(queue)) ?? '';

    await until(() => /^\S+\s+g\s+5\s/.test(rowOf(screen())), `a row "${queue} g 5" on the screen`, 30_000);
    expect(screen()).toContain('WAITING');
    await send(3);
    await until(() => /^\S+\s+g\s+8\s+\+\d/.test(rowOf(screen())), 'the row to show 8 waiting, growing', 30_000);
    tmux('send-keys', '-t', session, 'C-c');
    await until(() => screen().includes('stats exited 0'), 'the command to exit 0 on Ctrl-C', 10_000);
  });
});
