import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { within } from '@anymq/contract';
import { ZmqProxy } from '@anymq/zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real binary in a real child process, without a terminal: exit codes, stdout and stderr.
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** Runs the command to its end. Asynchronous, so that the in-process proxy keeps answering meanwhile. */
function run(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ANYMQ_URL: '' }, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

// Every test runs the binary in child processes, each bounded by its own 30 s; on two cores busy
// with every package's tests, five node start-ups took more than vitest's 5 s default.
describe('the anymq command', { timeout: 60_000 }, async () => {
  // A broker that outlives each command: an in-process ZeroMQ proxy (memory would die with the process).
  const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*' });
  let url = '';
  beforeAll(async () => {
    await proxy.start();
    url = proxy.endpoint.replace('tcp://', 'zmq+tcp://');
  });
  afterAll(() => proxy.close());

  it('--help lists every command and the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.status).toBe(0);
    for (const text of ['send', 'consume', 'bench', 'stats', 'dlq', 'doctor', 'Exit codes:'])
      expect(result.stdout).toContain(text);
    for (const command of ['send', 'consume', 'bench', 'stats', 'dlq', 'doctor'])
      expect((await run([command, '--help'])).status).toBe(0);
  });

  it('send then consume: body from an argument, a file and standard input, with key and headers', async () => {
    const file = join(tmpdir(), `anymq-cli-${process.pid}.json`);
    writeFileSync(file, '{"from":"file"}');
    expect(
      (await run(['--url', url, 'send', 'cli-orders', '{"from":"argument"}', '--key', 'c-1', '--header', 'trace=abc']))
        .stdout,
    ).toMatch(/^sent [0-9a-f-]{36} to cli-orders \(zeromq\)\n$/);
    expect((await run(['--url', url, 'send', 'cli-orders', '--file', file])).status).toBe(0);
    expect((await run(['--url', url, 'send', 'cli-orders'], 'plain text from stdin\n')).status).toBe(0);
    const consumed = await run([
      '--url',
      url,
      'consume',
      'cli-orders',
      '--group',
      'g',
      '--count',
      '3',
      '--json',
      '--timeout',
      '10000',
    ]);
    expect(consumed.status).toBe(0);
    const lines = consumed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { body: unknown; key?: string; headers: Record<string, string> });
    expect(lines.map((l) => l.body)).toEqual([{ from: 'argument' }, { from: 'file' }, 'plain text from stdin']);
    expect(lines[0]?.key).toBe('c-1');
    expect(lines[0]?.headers.trace).toBe('abc');
  });

  it('consume shows a message in another format (text, binary) instead of dead-lettering it', async () => {
    const { connect } = await import('@anymq/core');
    const { ZmqBrokeredTransport } = await import('@anymq/zeromq');
    const mq = await connect(new ZmqBrokeredTransport({ backend: 'zeromq', address: proxy.endpoint }));
    try {
      const text = {
        contentType: 'text/plain',
        encode: (t: string) => Buffer.from(t),
        decode: (b: Uint8Array) => Buffer.from(b).toString(),
      };
      await mq.queue('cli-mixed', { codec: text }).producer().send('{"looks": "like json"}');
      const { bytesCodec } = await import('@anymq/core');
      await mq
        .queue('cli-mixed', { codec: bytesCodec })
        .producer()
        .send(Buffer.from([0xff, 0x00]));
    } finally {
      await mq.close();
    }
    const consumed = await run([
      '--url',
      url,
      'consume',
      'cli-mixed',
      '--group',
      'g',
      '--count',
      '2',
      '--timeout',
      '10000',
    ]);
    expect(consumed.status).toBe(0);
    expect(consumed.stdout).toBe('{"looks": "like json"}\nbase64:/wA=\n');
  });

  it('consume --timeout fails with exit code 1 when too few messages arrive', async () => {
    const result = await run([
      '--url',
      url,
      'consume',
      'cli-empty',
      '--group',
      'g',
      '--count',
      '1',
      '--timeout',
      '300',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('anymq: received 0 of 1 messages from cli-empty within 300 ms\n');
  });

  it.each([
    [['dlq', 'orders', 'peek'], 'unknown dlq action "peek". Fix: use list, show, replay, purge.'],
    [['dlq', 'orders', 'show'], 'dlq show needs the id of the message. Fix: anymq dlq <queue> show <id>.'],
    [['dlq', 'orders', 'list', '--max', '2.5'], 'dlq list holds what it reads: --max must be a whole number.'],
    [['dlq', 'orders', 'replay', '--idle', '10'], '--idle must be at least 100 milliseconds.'],
    [['dlq', 'orders', 'purge', '--max', '0'], '--max must be a number of at least 1.'],
    [['stats', 'orders', '--interval', '5'], '--interval must be at least 100 milliseconds.'],
  ])('%j is a usage error (exit 2) naming the fix', async (args, message) => {
    const result = await run(['--url', url, ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`anymq: ${message}\n`);
  });

  it('doctor reports backend, capabilities and a round trip', async () => {
    const result = await run(['--url', url, 'doctor']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^backend: zeromq \(zmq\+tcp:\/\/127\.0\.0\.1:\d+\)\nbroker: not reported by this backend\nhealth: ok, ping \d+\.\d ms\ncapabilities: durable=false, .*\nround trip through anymq-doctor-[0-9a-f]{8}: \d+\.\d ms .*\nok\n$/,
    );
  });

  it('bench prints throughput and latency percentiles (no progress bar without a terminal)', async () => {
    const result = await run(['bench', '--messages', '2000']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /producer: [\d,]+ msg\/s \(confirmed\)\nconsumer: [\d,]+ msg\/s \(acked\)\nlatency: p50 \d+ ms, p99 \d+ ms, p99\.9 \d+ ms\n$/,
    );
    expect(result.stderr).toBe('');
  });

  it('configuration mistakes exit 2 with one line and the fix; passwords never show', async () => {
    const scheme = await run(['--url', 'sqs://localhost', 'doctor']);
    expect(scheme.status).toBe(2);
    // The schemes are those of the adapters installed beside the CLI, found by their package.json.
    expect(scheme.stderr).toMatch(
      /^anymq: config URL scheme "sqs:" is not read by any installed adapter\. Fix: use one of .*\n$/,
    );
    for (const known of ['memory://', 'amqp://', 'amqps://', 'kafka://', 'zmq+tcp://', 'nats://', 'redis://'])
      expect(scheme.stderr).toContain(known);
    const file = join(tmpdir(), `anymq-cli-bad-${process.pid}.json`);
    writeFileSync(file, '{"backend":"kafka","brokers":["k:9092"],"partitons":3}');
    const unknownKey = await run(['--config', file, 'doctor']);
    expect(unknownKey.status).toBe(2);
    expect(unknownKey.stderr).toContain('did you mean "partitions"');
    const header = await run(['send', 'q', 'x', '--header', 'no-equals-sign']);
    expect(header.status).toBe(2);
    expect(header.stderr).toContain('Fix: write it as --header trace-id=abc.');
    const missing = await run(['send']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'queue'");
  });

  it('an unreachable broker exits 1 without showing the password', async () => {
    const result = await run(['--url', 'amqp://admin:s3cret@127.0.0.1:1', 'doctor']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('amqp://admin:***@127.0.0.1:1');
    expect(result.stderr).not.toContain('s3cret');
  });

  it('consume stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [cli, '--url', url, 'consume', 'cli-sigint', '--group', 'g'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const ready = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('Ctrl-C stops') && resolve()),
    );
    await within(ready, 'the consumer to report that it runs', 10_000);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('dlq list stops on SIGTERM and says what it listed', async () => {
    const child = spawn(process.execPath, [cli, '--url', url, 'dlq', 'cli-sigterm', 'list', '--idle', '60000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const ready = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('reading cli-sigterm.dlq') && resolve()),
    );
    await within(ready, 'dlq list to report that it reads', 10_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toBe('listed 0 messages\n');
  });
});
