import { adapterConfig, declaresItselfInPackageJson } from '@anymq/contract';
import { describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';
import { consumerName, streamName, subjectOf } from './names.js';

const { resolve, refusal } = adapterConfig(adapter);

describe('the NATS adapter', () => {
  declaresItselfInPackageJson(adapter, new URL('../package.json', import.meta.url));

  it('reads nats://[user:pass@]host:port,host:port with options as query parameters, and ANYMQ_* overrides', async () => {
    expect(await resolve('nats://127.0.0.1:4222')).toEqual({ backend: 'nats', servers: ['127.0.0.1:4222'] });
    expect(await resolve('nats://app:s%40cret@n1:4222,n2:4222/?ackWaitMs=10000')).toEqual({
      backend: 'nats',
      servers: ['n1:4222', 'n2:4222'],
      user: 'app',
      pass: 's@cret',
      ackWaitMs: 10_000,
    });
    expect(await resolve('nats://t0ken@n1:4222')).toMatchObject({ token: 't0ken' });
    expect(await resolve(undefined, { ANYMQ_URL: 'nats://n1:4222', ANYMQ_REPLICAS: '3' })).toEqual({
      backend: 'nats',
      servers: ['n1:4222'],
      replicas: 3,
    });
  });

  it('names a bad server and an unknown option without echoing a password', async () => {
    const server = await refusal({ backend: 'nats', servers: ['nats://n1:4222'], pass: 's3cret' });
    expect(server.field).toBe('servers.0');
    expect(server.message).toContain('must be host:port');
    expect(server.message).not.toContain('s3cret');
    const typo = await refusal({ backend: 'nats', servers: ['n1:4222'], ackWait: 5 });
    expect(typo.message).toContain('did you mean "ackWaitMs"');
  });

  it('maps queue and group names onto JetStream names that never collide', () => {
    expect(streamName('orders')).toBe('anymq-orders');
    expect(subjectOf('orders.eu')).toBe('anymq.orders_deu');
    expect(new Set(['a.b', 'a_b', 'a_db', 'a..b', 'a._b'].map(streamName)).size).toBe(5);
    expect(consumerName('billing.v2')).not.toContain('.');
  });
});
