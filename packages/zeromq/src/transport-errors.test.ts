import { ConnectionError, connect } from '@anymq/core';
import { describe, expect, it } from 'vitest';
import { ZmqBrokeredTransport } from './brokered-transport.js';
import { ZmqDirectTransport } from './direct-transport.js';

describe('ZeroMQ transports report what is wrong', () => {
  it('brokered: no proxy at the address is a ConnectionError that says how to start one', async () => {
    const error = await connect(
      new ZmqBrokeredTransport({ backend: 'zeromq', address: 'tcp://127.0.0.1:1', connectTimeoutMs: 200 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('npx anymq-zmq-proxy --address tcp://127.0.0.1:1');
  });

  it('push-pull: a second queue on one address is a ConfigError naming the address', async () => {
    const mq = await connect(new ZmqDirectTransport({ backend: 'zeromq', address: 'tcp://127.0.0.1:*' }, 'push-pull'));
    await mq
      .queue('first')
      .consumer({ group: 'g' })
      .run(() => undefined); // a PUSH waits for a peer
    await mq.queue('first').producer().send('x');
    await expect(mq.queue('second').producer().send('y')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      field: 'address',
    });
    await mq.close();
  });

  it('push-pull: run() resolves once the member can receive; with no PUSH peer it fails after connectTimeoutMs, naming the address', async () => {
    const mq = await connect(
      new ZmqDirectTransport(
        { backend: 'zeromq', address: 'tcp://127.0.0.1:1', bind: false, connectTimeoutMs: 200 },
        'push-pull',
      ),
    );
    const error = await mq
      .queue('lonely')
      .consumer({ group: 'g' })
      .run(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('no PUSH peer at tcp://127.0.0.1:1 within 200 ms');
    await mq.close();
  });

  it('pub-sub: a subscriber with no publisher fails after requestTimeoutMs instead of missing messages', async () => {
    const mq = await connect(
      new ZmqDirectTransport(
        { backend: 'zeromq', address: 'tcp://127.0.0.1:1', bind: false, requestTimeoutMs: 200 },
        'pub-sub',
      ),
    );
    const error = await mq
      .queue('lonely')
      .consumer({ group: 'g' })
      .run(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('start the publishing side');
    await mq.close();
  });
});
