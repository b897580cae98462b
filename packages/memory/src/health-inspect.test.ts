// Core's health() and inspect() around a transport: bounds, bad input, a broker that does not
// answer, a transport without them, and client-library errors wrapped. The figures themselves are
// proven per backend by the contract suite's `inspection` part.
import { ClosedError, ConfigError, ConnectionError, connect } from '@anymq/core';
import type { Transport } from '@anymq/core/transport';
import { describe, expect, it } from 'vitest';
import { MemoryTransport } from './memory-transport.js';

/** A memory transport with `ping` and `inspect` replaced (or removed, with undefined). */
function transportWith(overrides: Partial<Pick<Transport, 'ping' | 'inspect'>>): Transport {
  const inner = new MemoryTransport();
  return {
    name: 'memory',
    capabilities: inner.capabilities,
    connect: () => inner.connect(),
    close: () => inner.close(),
    publish: (queue, messages) => inner.publish(queue, messages),
    subscribe: (queue, options, onDelivery) => inner.subscribe(queue, options, onDelivery),
    ...overrides,
  };
}

describe('health()', () => {
  it('is not ok, with the reason, when the broker does not answer within timeoutMs', async () => {
    const mq = await connect(transportWith({ ping: () => new Promise(() => undefined) }));
    const health = await mq.health({ timeoutMs: 50 });
    expect(health).toEqual({
      backend: 'memory',
      ok: false,
      roundTripMs: undefined,
      error: 'no answer from the broker within 50 ms',
    });
    await mq.close();
  });

  it('is not ok, with the client error as text, when the ping fails', async () => {
    const mq = await connect(transportWith({ ping: () => Promise.reject(new Error('socket hang up')) }));
    expect(await mq.health()).toMatchObject({ ok: false, error: 'socket hang up' });
    await mq.close();
  });

  it('is ok without a round trip on a transport that has no ping', async () => {
    const mq = await connect(transportWith({ ping: undefined }));
    expect(await mq.health()).toEqual({ backend: 'memory', ok: true, roundTripMs: undefined });
    await mq.close();
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses timeoutMs %s with a ConfigError',
    async (timeoutMs) => {
      const mq = await connect('memory://');
      await expect(mq.health({ timeoutMs })).rejects.toMatchObject({ name: 'ConfigError', field: 'timeoutMs' });
      await mq.close();
    },
  );
});

describe('inspect()', () => {
  it('names the bad queue or group with a ConfigError', async () => {
    const mq = await connect('memory://');
    await expect(mq.inspect('bad name')).rejects.toBeInstanceOf(ConfigError);
    await expect(mq.inspect('orders', { groups: ['ok', '#bad'] })).rejects.toMatchObject({ field: 'group' });
    await mq.close();
  });

  it('is a ClosedError once the client is closed', async () => {
    const mq = await connect('memory://');
    await mq.close();
    await expect(mq.inspect('orders')).rejects.toBeInstanceOf(ClosedError);
  });

  it('gives undefined figures on a transport that cannot inspect', async () => {
    const mq = await connect(transportWith({ inspect: undefined }));
    expect(await mq.inspect('orders', { groups: ['billing'] })).toEqual({
      queue: 'orders',
      groups: [{ group: 'billing', waiting: undefined, inFlight: undefined, consumers: undefined }],
      deadLetters: undefined,
    });
    await mq.close();
  });

  it('wraps a client-library error in a ConnectionError naming the queue', async () => {
    const raw = new Error('Connection closed: 320 (CONNECTION-FORCED)');
    const mq = await connect(transportWith({ inspect: () => Promise.reject(raw) }));
    const error = await mq.inspect('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ cause: raw });
    expect((error as Error).message).toContain('could not inspect queue "orders" on memory');
    await mq.close();
  });
});
