// @anymq/testing's startBroker, as a user's test suite calls it: each broker started in a container of
// its own (not the run's shared ones), used, restarted, frozen, reused by URL.
import { connect } from '@anymq/core';
import { type Broker, BrokerError, type BrokerKind, Inbox, brokerKinds, startBroker } from '@anymq/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// CI builds the brokers' images locally (images/) and names them here; elsewhere the official images.
const images: Record<BrokerKind, string | undefined> = {
  rabbitmq: process.env.ANYMQ_RABBITMQ_IMAGE,
  kafka: process.env.ANYMQ_KAFKA_IMAGE,
  nats: process.env.ANYMQ_NATS_IMAGE,
  redis: process.env.ANYMQ_REDIS_IMAGE,
};
// A run against existing brokers (external mode) may have no container runtime: those kinds skip.
const external: Record<BrokerKind, string | undefined> = {
  rabbitmq: process.env.ANYMQ_RABBITMQ_URL,
  kafka: process.env.ANYMQ_KAFKA_BROKERS,
  nats: process.env.ANYMQ_NATS_SERVERS,
  redis: process.env.ANYMQ_REDIS_URL,
};
const selected = inject('backends').filter((kind) => !external[kind as BrokerKind]);

/** Sends one message through the broker at `url` and waits, bounded, until a consumer has it. */
async function roundTrip(url: string, body: string): Promise<void> {
  const mq = await connect(url);
  try {
    const queue = mq.queue<string>(`testing-kit-${Math.random().toString(36).slice(2, 8)}`);
    const received = new Inbox<string>();
    await queue.consumer({ group: 'check' }).run((message) => received.push(message.body));
    await queue.producer().send(body);
    expect(await received.waitFor(1, `"${body}" through ${url}`, 60_000)).toEqual([body]);
    await mq.deleteQueue(queue.name, { groups: ['check'] });
  } finally {
    await mq.close();
  }
}

describe.each(brokerKinds.filter((kind) => selected.includes(kind)))('startBroker(%s)', (kind) => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker(kind, { image: images[kind] });
  });
  afterAll(() => broker?.stop());

  it('is ready for anymq at its url as soon as it resolves', async () => {
    expect(broker.containerId).toMatch(/^[0-9a-f]{12,}$/);
    expect(broker.hosts).toHaveLength(1);
    await roundTrip(broker.url, 'first');
  });

  it('restarts at the same address and serves again when restart resolves', async () => {
    await broker.restart();
    await roundTrip(broker.url, 'after a restart');
  });

  it('freezes for the time asked, then answers again', async () => {
    const mq = await connect(broker.url);
    try {
      const frozen = broker.freeze(1_500);
      // While frozen, a health check with a short bound gets no answer.
      await expect.poll(async () => (await mq.health({ timeoutMs: 300 })).ok, { timeout: 1_000 }).toBe(false);
      await frozen;
      await expect.poll(async () => (await mq.health({ timeoutMs: 2_000 })).ok, { timeout: 30_000 }).toBe(true);
    } finally {
      await mq.close();
    }
  });

  it('is reused as it is when given by url', async () => {
    const reused = await startBroker(kind, { url: broker.url });
    expect(reused.containerId).toBeUndefined();
    await roundTrip(reused.url, 'through the reused broker');
    await reused.stop();
    await roundTrip(broker.url, 'still running: stop left a broker it did not start alone');
  });
});

describe.runIf(selected.includes('rabbitmq'))('startBroker, the container itself', () => {
  it('runs a command in the broker container', async () => {
    await using broker = await startBroker('rabbitmq', { image: images.rabbitmq });
    const { exitCode, output } = await broker.exec(['rabbitmqctl', 'list_users']);
    expect(exitCode).toBe(0);
    expect(output).toContain('anymq');
  });

  it('fails with BrokerError, the image and the fix when the image does not exist', async () => {
    const starting = startBroker('rabbitmq', { image: 'localhost/anymq-no-such-image:0', startupTimeoutMs: 30_000 });
    await expect(starting).rejects.toBeInstanceOf(BrokerError);
    await expect(starting).rejects.toThrow(
      /rabbitmq container \(localhost\/anymq-no-such-image:0\) did not start.*Fix:/s,
    );
  });
});
