import { adapterConfig, declaresItselfInPackageJson } from '@anymq/contract';
import { ConfigError, connect } from '@anymq/core';
import { describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';

// The config users write for RabbitMQ is the same as before adapters were plug-ins: these are the
// cases core's own config tests held then.
const { resolve, refusal } = adapterConfig(adapter);

describe('the RabbitMQ adapter', () => {
  declaresItselfInPackageJson(adapter, new URL('../package.json', import.meta.url));

  it('keeps the whole amqp:// or amqps:// URL for amqplib', async () => {
    expect(await resolve('amqp://guest:guest@localhost:5672/%2f')).toEqual({
      backend: 'rabbitmq',
      url: 'amqp://guest:guest@localhost:5672/%2f',
    });
    expect(await resolve('amqps://h:5671?heartbeat=5')).toEqual({
      backend: 'rabbitmq',
      url: 'amqps://h:5671?heartbeat=5',
    });
    expect(
      await resolve(undefined, { ANYMQ_URL: 'amqp://h', ANYMQ_QUEUE_TYPE: 'quorum', ANYMQ_MANDATORY: 'true' }),
    ).toEqual({
      backend: 'rabbitmq',
      url: 'amqp://h',
      queueType: 'quorum',
      mandatory: true,
    });
  });

  it('calls a present value of the wrong type wrong, not missing; a missing url required', async () => {
    const error = await refusal({ backend: 'rabbitmq', url: 'amqp://h', heartbeatSeconds: 'x' });
    expect(error.field).toBe('heartbeatSeconds');
    expect(error.message).toMatch(/config field "heartbeatSeconds" is invalid: .*number/);
    const missing = await refusal({ backend: 'rabbitmq' });
    expect(missing.field).toBe('url');
    expect(missing.message).toContain('Fix: add url');
  });

  it('never echoes a password', async () => {
    const error = await refusal({ backend: 'rabbitmq', url: 'http://u:s3cret@host' });
    expect(error.message).not.toContain('s3cret');
  });

  it('refuses maxPriority out of 1 to 255, and with quorum queues, naming maxPriority', async () => {
    for (const maxPriority of [0, 256, 2.5]) {
      expect(await refusal({ backend: 'rabbitmq', url: 'amqp://h', maxPriority })).toMatchObject({
        field: 'maxPriority',
      });
    }
    const quorum = await connect(
      { backend: 'rabbitmq', url: 'amqp://h', queueType: 'quorum', maxPriority: 10 },
      { adapters: [adapter] },
    ).catch((error: unknown) => error);
    expect(quorum).toBeInstanceOf(ConfigError);
    expect(quorum).toMatchObject({
      field: 'maxPriority',
      message: expect.stringContaining('quorum queues have no x-max-priority'),
    });
  });
});
