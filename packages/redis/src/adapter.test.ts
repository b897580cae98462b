import { adapterConfig, declaresItselfInPackageJson } from '@anymq/contract';
import { describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';
import { QueueKeys } from './keys.js';

const { resolve, refusal } = adapterConfig(adapter);

describe('the Redis adapter', () => {
  declaresItselfInPackageJson(adapter, new URL('../package.json', import.meta.url));

  it('reads redis[s]://[[user]:pass@]host[:port][/db] with options as query parameters, and ANYMQ_* overrides', async () => {
    expect(await resolve('redis://127.0.0.1:6379')).toEqual({ backend: 'redis', host: '127.0.0.1', port: 6379 });
    expect(await resolve('rediss://app:s%40cret@r1:6380/2?claimTimeoutMs=10000')).toEqual({
      backend: 'redis',
      host: 'r1',
      port: 6380,
      db: 2,
      tls: true,
      username: 'app',
      password: 's@cret',
      claimTimeoutMs: 10_000,
    });
    expect(await resolve('redis://:pw@r1')).toEqual({ backend: 'redis', host: 'r1', password: 'pw' });
    expect(await resolve(undefined, { ANYMQ_URL: 'redis://r1:6379', ANYMQ_MAX_LENGTH: '100000' })).toEqual({
      backend: 'redis',
      host: 'r1',
      port: 6379,
      maxLength: 100_000,
    });
  });

  it('names a bad option and an unknown one without echoing a password', async () => {
    const db = await refusal('redis://:s3cret@r1:6379/two');
    expect(db.field).toBe('db');
    expect(db.message).not.toContain('s3cret');
    const port = await refusal({ backend: 'redis', port: 70_000, password: 's3cret' });
    expect(port.field).toBe('port');
    expect(port.message).not.toContain('s3cret');
    const typo = await refusal({ backend: 'redis', claimTimeout: 5 });
    expect(typo.message).toContain('did you mean "claimTimeoutMs"');
  });

  it('keeps every key of a queue in one hash slot, and apart from every other queue', () => {
    const orders = new QueueKeys('anymq', 'orders');
    expect([orders.stream, orders.delayed, orders.retries('billing'), orders.retriesDue('billing')]).toEqual([
      'anymq:{orders}',
      'anymq:{orders}:delayed',
      'anymq:{orders}:retries:billing',
      'anymq:{orders}:retries-due:billing',
    ]);
    expect(new QueueKeys('anymq', 'orders.dlq').stream).toBe('anymq:{orders.dlq}');
  });
});
