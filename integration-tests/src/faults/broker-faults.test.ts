// Faults a broker can have under a running stream: restart, freeze, connections dropped. Each test
// starts a broker of its own (the fault must not disturb other tests), streams 3000 messages through
// it and records a row of RELIABILITY.md. Zero confirmed messages may be lost.
import type { ConfigInput } from '@anymq/core';
import { describe, expect, inject, it, type TestContext, vi } from 'vitest';
import { redisConfig } from '../redis-config.ts';
import { startTestBroker } from '../test-brokers.ts';
import { startTcpProxy } from '../tcp-proxy.ts';
import { type ReliabilityRow, recordRow } from './reliability.ts';
import { type FaultOutcome, faultRow, streamUnderFault } from './stream-under-fault.ts';

const backends = inject('backends');
const external = { rabbitmq: process.env.ANYMQ_RABBITMQ_URL, kafka: process.env.ANYMQ_KAFKA_BROKERS };
/** A frozen broker must be noticed: RabbitMQ's heartbeat is 2 s here; Kafka's session timeout is 10 s. */
const freezeMs = { rabbitmq: 8_000, kafka: 12_000 };

function needsContainer(ctx: TestContext, backend: 'rabbitmq' | 'kafka'): void {
  if (external[backend]) ctx.skip(`not applicable: needs a broker container of its own (external ${backend} is set)`);
}

const rabbitmqConfig = (url: string): ConfigInput => ({
  backend: 'rabbitmq',
  url,
  publishTimeoutMs: 120_000,
  heartbeatSeconds: 2,
});
const kafkaConfig = (brokers: string[]): ConfigInput => ({ backend: 'kafka', brokers });

describe.runIf(backends.includes('rabbitmq'))('rabbitmq under broker faults', () => {
  it('broker restart mid-stream', { timeout: 300_000 }, async (ctx) => {
    needsContainer(ctx, 'rabbitmq');
    const broker = await startTestBroker('rabbitmq');
    ctx.onTestFinished(() => broker.stop());
    // No grace: the broker is killed, the harder fault (restart() alone gives it 10 s to stop).
    const outcome = await streamUnderFault(rabbitmqConfig(broker.url), () => broker.restart({ graceSeconds: 0 }));
    recordAndCheck(outcome, faultRow('broker restart', 'rabbitmq', outcome));
  });

  it('broker frozen (container paused) longer than the heartbeat, then thawed', { timeout: 300_000 }, async (ctx) => {
    needsContainer(ctx, 'rabbitmq');
    const broker = await startTestBroker('rabbitmq');
    ctx.onTestFinished(() => broker.stop());
    const outcome = await streamUnderFault(rabbitmqConfig(broker.url), () => broker.freeze(freezeMs.rabbitmq));
    recordAndCheck(outcome, faultRow(`broker frozen ${freezeMs.rabbitmq / 1000} s`, 'rabbitmq', outcome));
  });

  it('every connection dropped under the client', { timeout: 300_000 }, async (ctx) => {
    const url = new URL(inject('rabbitmqUrl'));
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5672) });
    ctx.onTestFinished(() => proxy.close());
    url.hostname = '127.0.0.1'; // where the proxy listens
    url.port = String(proxy.port);
    let dropped = 0;
    const outcome = await streamUnderFault(
      rabbitmqConfig(url.toString()),
      async () => (dropped = proxy.dropConnections()),
    );
    expect(dropped).toBeGreaterThan(0);
    recordAndCheck(outcome, faultRow('connections dropped', 'rabbitmq', outcome, `${dropped} TCP connections reset`));
  });
});

describe.runIf(backends.includes('kafka'))('kafka under broker faults', () => {
  it('broker restart mid-stream', { timeout: 300_000 }, async (ctx) => {
    needsContainer(ctx, 'kafka');
    const broker = await startTestBroker('kafka');
    ctx.onTestFinished(() => broker.stop());
    const outcome = await streamUnderFault(kafkaConfig([...broker.hosts]), () => broker.restart({ graceSeconds: 0 }), {
      batch: 50,
      key: (n) => `k${n % 8}`,
    });
    recordAndCheck(outcome, faultRow('broker restart', 'kafka', outcome));
  });

  it(
    'broker frozen (container paused) longer than the session timeout, then thawed',
    { timeout: 300_000 },
    async (ctx) => {
      needsContainer(ctx, 'kafka');
      const broker = await startTestBroker('kafka');
      ctx.onTestFinished(() => broker.stop());
      const outcome = await streamUnderFault(kafkaConfig([...broker.hosts]), () => broker.freeze(freezeMs.kafka), {
        batch: 50,
        key: (n) => `k${n % 8}`,
      });
      recordAndCheck(outcome, faultRow(`broker frozen ${freezeMs.kafka / 1000} s`, 'kafka', outcome));
    },
  );

  it('every connection dropped under the client', { timeout: 300_000 }, async (ctx) => {
    needsContainer(ctx, 'kafka');
    // The broker advertises the proxy's port, so that every connection the client opens goes through it.
    const target = { host: '127.0.0.1', port: 0 };
    const proxy = await startTcpProxy(target);
    ctx.onTestFinished(() => proxy.close());
    const broker = await startTestBroker('kafka', { advertisedPort: proxy.port });
    ctx.onTestFinished(() => broker.stop());
    target.port = broker.hostPort as number;
    let dropped = 0;
    const outcome = await streamUnderFault(
      kafkaConfig([...broker.hosts]),
      async () => (dropped = proxy.dropConnections()),
      { batch: 50, key: (n) => `k${n % 8}` },
    );
    expect(dropped).toBeGreaterThan(0);
    recordAndCheck(outcome, faultRow('connections dropped', 'kafka', outcome, `${dropped} TCP connections reset`));
  });
});

describe.runIf(backends.includes('nats'))('nats under broker faults', () => {
  const natsConfig = (servers: string[]): ConfigInput => ({ backend: 'nats', servers, publishTimeoutMs: 120_000 });

  it('broker restart mid-stream', { timeout: 300_000 }, async (ctx) => {
    if (process.env.ANYMQ_NATS_SERVERS)
      ctx.skip('not applicable: needs a NATS container of its own (external nats is set)');
    const broker = await startTestBroker('nats');
    ctx.onTestFinished(() => broker.stop());
    const outcome = await streamUnderFault(natsConfig([...broker.hosts]), () => broker.restart(), { batch: 50 });
    recordAndCheck(outcome, faultRow('broker restart', 'nats', outcome));
  });

  it('every connection dropped under the client', { timeout: 300_000 }, async (ctx) => {
    const [host = '127.0.0.1', port = '4222'] = (inject('natsServers')[0] ?? '').split(':');
    const proxy = await startTcpProxy({ host, port: Number(port) });
    ctx.onTestFinished(() => proxy.close());
    let dropped = 0;
    const outcome = await streamUnderFault(
      natsConfig([`127.0.0.1:${proxy.port}`]),
      async () => (dropped = proxy.dropConnections()),
      {
        batch: 50,
      },
    );
    expect(dropped).toBeGreaterThan(0);
    recordAndCheck(outcome, faultRow('connections dropped', 'nats', outcome, `${dropped} TCP connections reset`));
  });
});

describe.runIf(backends.includes('redis'))('redis under broker faults', () => {
  // A member that vanished leaves its entries for 5 s; sends wait up to 120 s for the server.
  const config = (url: string): ConfigInput => ({
    ...redisConfig(url),
    claimTimeoutMs: 5_000,
    publishTimeoutMs: 120_000,
  });
  const needsContainer = (ctx: TestContext) => {
    if (process.env.ANYMQ_REDIS_URL)
      ctx.skip('not applicable: needs a Redis container of its own (external redis is set)');
  };

  it('broker restart mid-stream', { timeout: 300_000 }, async (ctx) => {
    needsContainer(ctx);
    const broker = await startTestBroker('redis');
    ctx.onTestFinished(() => broker.stop());
    const outcome = await streamUnderFault(config(broker.url), () => broker.restart(), { batch: 50 });
    recordAndCheck(outcome, faultRow('broker restart', 'redis', outcome, 'appendfsync always'), 16);
  });

  it('broker frozen mid-stream', { timeout: 300_000 }, async (ctx) => {
    needsContainer(ctx);
    const broker = await startTestBroker('redis');
    ctx.onTestFinished(() => broker.stop());
    const outcome = await streamUnderFault(config(broker.url), () => broker.freeze(8_000), { batch: 50 });
    recordAndCheck(outcome, faultRow('broker frozen 8 s', 'redis', outcome), 16);
  });

  it('every connection dropped under the client', { timeout: 300_000 }, async (ctx) => {
    const { host, port } = redisConfig(inject('redisUrl'));
    const proxy = await startTcpProxy({ host, port });
    ctx.onTestFinished(() => proxy.close());
    // ioredis prints a dropped connection of a client nobody listens to; every client of ours is heard.
    const printed = vi.spyOn(console, 'error');
    ctx.onTestFinished(() => printed.mockRestore());
    let dropped = 0;
    const outcome = await streamUnderFault(
      config(`redis://127.0.0.1:${proxy.port}`),
      async () => (dropped = proxy.dropConnections()),
      { batch: 50 },
    );
    expect(dropped).toBeGreaterThan(0);
    expect(printed.mock.calls.filter(([first]) => String(first).includes('[ioredis]'))).toEqual([]);
    recordAndCheck(outcome, faultRow('connections dropped', 'redis', outcome, `${dropped} TCP connections reset`), 16);
  });
});

/** Records the row first, so that a failing scenario still shows its figures. */
/**
 * `maxDuplicated`, where given: the most copies the fault may add, the in-flight window (the
 * consumer's 16 unsettled deliveries) when the producer resends nothing the broker stored.
 */
function recordAndCheck(outcome: FaultOutcome, row: ReliabilityRow, maxDuplicated?: number): void {
  recordRow(row);
  expect(outcome.failures).toEqual([]); // sends made during the fault waited for the broker
  expect(outcome.confirmed).toHaveLength(3000);
  expect(outcome.confirmed.filter((n) => !outcome.received.has(n))).toEqual([]);
  if (maxDuplicated !== undefined)
    expect(outcome.deliveries - outcome.received.size).toBeLessThanOrEqual(maxDuplicated);
}
