import { describe, expect, it } from 'vitest';
import { defaultAdapter, fixtureAdapters, hostsAdapter, nothingInstalled, urlAdapter } from './adapters.fixture.js';
import { configFromEnv, configFromUrl, type ResolveOptions, resolveConfig, validateConfig } from './config.js';
import { ConfigError } from './errors.js';

const known: ResolveOptions = { adapters: fixtureAdapters, importModule: nothingInstalled, env: {} };
const resolve = async (input: unknown, env: Record<string, string> = {}) =>
  (await resolveConfig(input as never, { ...known, env })).config;

async function configError(run: () => unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('resolveConfig', () => {
  it('defaults to the memory backend when nothing is configured', async () => {
    expect(await resolve(undefined)).toEqual({ backend: 'memory' });
    expect((await resolveConfig(undefined, known)).adapter).toBe(defaultAdapter);
  });

  it("accepts a config object, validated by its adapter's schema", async () => {
    expect(await resolve({ backend: 'hostsmq', brokers: ['a:9092'] })).toEqual({
      backend: 'hostsmq',
      brokers: ['a:9092'],
    });
  });

  it('finds the adapter of a URL by its scheme; the adapter reads the URL, queries typed by its schema', async () => {
    expect(await resolve('memory://?capacity=100')).toEqual({ backend: 'memory', capacity: 100 });
    expect(await resolve('umqs://guest:guest@h:5671/%2f?heartbeat=5')).toEqual({
      backend: 'urlmq',
      url: 'umqs://guest:guest@h:5671/%2f?heartbeat=5',
    });
    expect(await resolve('hmq://k1:9092,k2:9093?partitions=6&clientId=orders&ssl=true')).toEqual({
      backend: 'hostsmq',
      brokers: ['k1:9092', 'k2:9093'],
      partitions: 6,
      clientId: 'orders',
      ssl: true,
    });
  });

  it('reads ANYMQ_URL and ANYMQ_* overrides from the environment, typed per option', async () => {
    const env = {
      ANYMQ_URL: 'hmq://k1:9092',
      ANYMQ_PARTITIONS: '3',
      ANYMQ_CLIENT_ID: 'billing',
      ANYMQ_SSL: 'true',
      ANYMQ_TEST_BACKENDS: 'x',
    };
    expect(await resolve(undefined, env)).toEqual({
      backend: 'hostsmq',
      brokers: ['k1:9092'],
      partitions: 3,
      clientId: 'billing',
      ssl: true,
    });
    expect(await resolve(undefined, { ANYMQ_BACKEND: 'hostsmq', ANYMQ_BROKERS: 'a:1, b:2' })).toEqual({
      backend: 'hostsmq',
      brokers: ['a:1', 'b:2'],
    });
    expect(
      await resolve(undefined, { ANYMQ_BACKEND: 'urlmq', ANYMQ_URL: 'umq://h', ANYMQ_TLS: '{"servername":"h"}' }),
    ).toEqual({
      backend: 'urlmq',
      url: 'umq://h',
      tls: { servername: 'h' },
    });
  });

  it('takes an adapter passed to it over a registered or installed one', async () => {
    const own = { ...urlAdapter, schemes: ['umq'], packageName: '@acme/anymq-umq' };
    expect((await resolveConfig('umq://h', { adapters: [own], importModule: nothingInstalled })).adapter).toBe(own);
  });
});

describe('config errors name the field and the fix', () => {
  it('a present value of the wrong type is wrong, not missing', async () => {
    const error = await configError(() => resolve({ backend: 'urlmq', url: 'umq://h', heartbeatSeconds: 'x' }));
    expect(error.field).toBe('heartbeatSeconds');
    expect(error.message).not.toMatch(/required/);
    expect(error.message).toMatch(/config field "heartbeatSeconds" is invalid: .*number/);
  });

  it('a missing required field', async () => {
    const error = await configError(() => resolve({ backend: 'urlmq' }));
    expect(error.field).toBe('url');
    expect(error.message).toContain('"url" is required for the urlmq backend. Fix: add url');
  });

  it('an unknown key, with a suggestion and the allowed ones', async () => {
    const error = await configError(() => resolve({ backend: 'hostsmq', brokers: ['a:1'], partitons: 3 }));
    expect(error.field).toBe('partitons');
    expect(error.message).toContain('did you mean "partitions"');
    expect(error.message).toContain('Fix: remove it');
    expect(error.message).toContain('allowed: backend, brokers, partitions');
  });

  it('a nested field', async () => {
    const error = await configError(() => resolve({ backend: 'hostsmq', brokers: ['a:1', 'no-port'] }));
    expect(error.field).toBe('brokers.1');
    expect(error.message).toContain('must be host:port');
  });

  it('a missing backend, or a value that is not an object', async () => {
    expect((await configError(() => resolve({}))).field).toBe('backend');
    expect((await configError(() => resolve({ backend: 5 }))).message).toContain('must name an adapter');
    for (const bad of [null, 42, ['memory']]) {
      expect((await configError(() => resolve(bad))).message).toContain('config must be an object');
    }
  });

  it('a backend whose adapter is not installed: the package to install, a near name', async () => {
    const error = await configError(() => resolve({ backend: 'hostmq' }));
    expect(error).toMatchObject({ code: 'ADAPTER_NOT_INSTALLED', field: 'backend' });
    expect(error.message).toContain('npm install @anymq/hostmq');
    expect(error.message).toContain('Did you mean "hostsmq"?');
    expect(error.message).toContain('connect(config, { adapters: [adapter] })');
  });

  it('a URL with a scheme no adapter reads, or none', async () => {
    const error = await configError(() => resolve('sqs://queue'));
    expect(error.field).toBe('url');
    expect(error.message).toContain('scheme "sqs:" is not read by any installed adapter');
    for (const scheme of ['umq://', 'umqs://', 'hmq://', 'memory://']) expect(error.message).toContain(scheme);
    expect((await configError(() => resolve('localhost:5672'))).message).toContain('scheme "localhost:" is not read');
    expect((await configError(() => resolve('//host:5672'))).message).toContain('has no scheme. Fix:');
  });

  it('an environment override that belongs to another known backend', async () => {
    const error = await configError(() =>
      configFromEnv({ ANYMQ_URL: 'umq://localhost', ANYMQ_PARTITIONS: '3' }, known),
    );
    expect(error.field).toBe('ANYMQ_PARTITIONS');
    expect(error.message).toContain('an option of the hostsmq backend, but the backend is urlmq');
  });

  it('a config for another backend than the adapter given', async () => {
    expect(() => validateConfig({ backend: 'urlmq', url: 'umq://h' }, hostsAdapter)).toThrow('pass the urlmq adapter');
  });

  it('never echoes a password', async () => {
    const unknown = await configError(() => configFromUrl('redis://admin:s3cret@host', known));
    expect(unknown.message).not.toContain('s3cret');
    const invalid = await configError(() => resolve({ backend: 'urlmq', url: 'http://u:s3cret@host' }));
    expect(invalid.message).not.toContain('s3cret');
    const noScheme = await configError(() => resolve('u:s3cret@host'));
    expect(noScheme.message).not.toContain('s3cret');
  });

  it('URL query parameters without a name, or named like Object internals, are refused (found by fast-check)', async () => {
    expect((await configError(() => resolve('memory://?=1'))).field).toBe('url');
    expect((await configError(() => resolve('memory://?+'))).field).toBe('url');
    expect((await configError(() => resolve('memory://?__proto__=x'))).field).toBe('__proto__');
    expect((await configError(() => resolve('hmq://k:9092?constructor=1'))).field).toBe('constructor');
  });
});
