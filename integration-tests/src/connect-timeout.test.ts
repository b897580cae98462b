// connect() to an address where nothing answers fails within connectTimeoutMs, naming the address
// and the fix, on every backend with a peer to wait for: nothing listening (connection refused,
// which client libraries retry), and a TCP server that accepts and never answers (a hung broker).
import { type ConfigInput, ConnectionError, connect } from '@anymq/core';
import { type Server, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@anymq/testing';

const timeoutMs = 1_500;
let silent: Server;
const sockets = new Set<Socket>();
let silentPort: number;
let closedPort: number;
beforeAll(async () => {
  silent = createServer((socket) => void sockets.add(socket)); // accepts, then says nothing
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
  closedPort = await freePort();
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

const configs: Record<string, (port: number) => ConfigInput> = {
  rabbitmq: (port) => ({
    backend: 'rabbitmq',
    url: `amqp://app:s3cret@127.0.0.1:${port}`,
    connectTimeoutMs: timeoutMs,
  }),
  kafka: (port) => ({ backend: 'kafka', brokers: [`127.0.0.1:${port}`], connectTimeoutMs: timeoutMs }),
  'zeromq brokered': (port) => ({ backend: 'zeromq', address: `tcp://127.0.0.1:${port}`, connectTimeoutMs: timeoutMs }),
};

describe.each(Object.keys(configs))('%s: connect to a dead address', (backend) => {
  it.each([
    ['nothing listens', () => closedPort],
    ['a server accepts and never answers', () => silentPort],
  ])('fails within connectTimeoutMs when %s, naming the address', async (_, port) => {
    const started = Date.now();
    const error = await connect(configs[backend]?.(port())).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain(`127.0.0.1:${port()}`);
    expect((error as Error).message).toMatch(/Fix:/);
    expect((error as Error).message).not.toContain('s3cret');
    // The bound, plus what closing the abandoned attempt takes.
    expect(elapsed).toBeLessThan(timeoutMs + 1_000);
  });
});
