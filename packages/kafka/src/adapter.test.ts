import { adapterConfig, declaresItselfInPackageJson } from '@anymq/contract';
import { describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';

// The config users write for Kafka is the same as before adapters were plug-ins: these are the
// cases core's own config tests held then.
const { resolve, refusal } = adapterConfig(adapter);

describe('the Kafka adapter', () => {
  declaresItselfInPackageJson(adapter, new URL('../package.json', import.meta.url));

  it('reads kafka://host:port,host:port with options as query parameters, and ANYMQ_* overrides', async () => {
    expect(await resolve('kafka://k1:9092,k2:9093?partitions=6&clientId=orders')).toEqual({
      backend: 'kafka',
      brokers: ['k1:9092', 'k2:9093'],
      partitions: 6,
      clientId: 'orders',
    });
    expect(
      await resolve(undefined, { ANYMQ_URL: 'kafka://k1:9092', ANYMQ_PARTITIONS: '3', ANYMQ_SSL: 'true' }),
    ).toEqual({
      backend: 'kafka',
      brokers: ['k1:9092'],
      partitions: 3,
      ssl: true,
    });
    expect(await resolve(undefined, { ANYMQ_BACKEND: 'kafka', ANYMQ_BROKERS: 'a:1, b:2' })).toEqual({
      backend: 'kafka',
      brokers: ['a:1', 'b:2'],
    });
  });

  it('refuses credentials in the URL without echoing them; names an unknown option and a bad broker', async () => {
    const error = await refusal('kafka://user:s3cret@host:9092');
    expect(error.message).toContain('must not carry credentials');
    expect(error.message).not.toContain('s3cret');
    const typo = await refusal({ backend: 'kafka', brokers: ['a:1'], partitons: 3 });
    expect(typo.message).toContain('did you mean "partitions"');
    const broker = await refusal({ backend: 'kafka', brokers: ['a:1', 'no-port'] });
    expect(broker.field).toBe('brokers.1');
    expect(broker.message).toContain('must be host:port');
  });
});
