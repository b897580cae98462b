import { Inbox } from '@anymq/contract';
import { connect } from '@anymq/core';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ZmqBrokeredTransport } from './brokered-transport.js';

const command = fileURLToPath(new URL('../dist/proxy-command.js', import.meta.url));

// Child processes: on two busy cores a node start-up alone can take seconds.
describe('the anymq-zmq-proxy command', { timeout: 30_000 }, () => {
  it('prints its usage with --help and exits 0', () => {
    const result = spawnSync(process.execPath, [command, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: anymq-zmq-proxy');
  });

  it('rejects bad arguments with exit code 2 and says why', () => {
    const unknown = spawnSync(process.execPath, [command, '--adress', 'tcp://127.0.0.1:1'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--adress'");
    const badNumber = spawnSync(process.execPath, [command, '--capacity', 'lots'], { encoding: 'utf8' });
    expect(badNumber.status).toBe(2);
    expect(badNumber.stderr).toContain('--capacity');
  });

  it('serves clients, and stops cleanly on SIGTERM', { timeout: 20_000 }, async () => {
    const proxy = spawn(process.execPath, [command, '--address', 'tcp://127.0.0.1:*'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => proxy.once('exit', resolve));
    try {
      const lines = new Inbox<string>();
      createInterface({ input: proxy.stdout }).on('line', (line) => lines.push(line));
      const [banner] = await lines.waitFor(1, 'the listening line', 10_000);
      const address = banner?.replace('anymq-zmq-proxy listening on ', '') ?? '';
      expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      const mq = await connect(new ZmqBrokeredTransport({ backend: 'zeromq', address }));
      const inbox = new Inbox<string>();
      await mq
        .queue<string>('greetings')
        .consumer({ group: 'g' })
        .run((m) => inbox.push(m.body));
      await mq.queue<string>('greetings').producer().send('hello through the proxy process');
      await inbox.waitFor(1, 'the message', 10_000);
      await mq.close();
      proxy.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      proxy.kill('SIGKILL');
    }
  });
});
