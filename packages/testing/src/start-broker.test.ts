import { ConfigError } from '@anymq/core';
import { describe, expect, it } from 'vitest';
import { BrokerError, type BrokerKind } from './broker.js';
import { startBroker } from './start-broker.js';

describe('startBroker without a container', () => {
  it('names the field and the known backends for an unknown one', async () => {
    const starting = startBroker('rabbit' as BrokerKind);
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toMatchObject({
      field: 'backend',
      message: expect.stringContaining('one of rabbitmq, kafka, nats, redis'),
    });
  });

  it('uses a broker given by url as it is, and refuses to restart, freeze or exec in it', async () => {
    const broker = await startBroker('kafka', { url: 'kafka://a.example:9092,b.example:9093' });
    expect(broker).toMatchObject({ backend: 'kafka', containerId: undefined, hostPort: undefined });
    expect(broker.hosts).toEqual(['a.example:9092', 'b.example:9093']);
    for (const refused of [broker.restart(), broker.freeze(10), broker.exec(['true'])]) {
      await expect(refused).rejects.toBeInstanceOf(BrokerError);
    }
    await expect(broker.restart()).rejects.toThrow('Fix: start one without url');
    await broker.stop(); // nothing to stop: the broker is not ours
  });

  it('keeps a password out of its errors', async () => {
    const broker = await startBroker('rabbitmq', { url: 'amqp://app:s3cret@mq.example:5672/orders' });
    expect(broker.hosts).toEqual(['mq.example:5672']);
    const refused = await broker.freeze(10).catch((error: unknown) => error as Error);
    expect(String(refused)).not.toContain('s3cret');
    expect(String(refused)).toContain('amqp://app:***@mq.example:5672');
  });
});
