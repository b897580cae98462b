import { describe, expect, it } from 'vitest';
import { configFromEnv, parseConfigUrl, resolveConfig, validateConfig } from './config.js';
import { ConfigError } from './errors.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('validateConfig wording', () => {
  it('calls a present value of the wrong type wrong, not missing', () => {
    const error = configError(() => validateConfig({ backend: 'rabbitmq', url: 'amqp://h', heartbeatSeconds: 'x' }));
    expect(error.field).toBe('heartbeatSeconds');
    expect(error.message).not.toMatch(/required/);
    expect(error.message).toMatch(/config field "heartbeatSeconds" is invalid: .*number/);
    expect(configError(() => validateConfig({ backend: 'rabbitmq' })).message).toMatch(/"url" is required/);
  });
});

describe('resolveConfig', () => {
  it('defaults to the memory backend when nothing is configured', () => {
    expect(resolveConfig(undefined, {})).toEqual({ backend: 'memory' });
  });

  it('accepts a config object', () => {
    expect(resolveConfig({ backend: 'kafka', brokers: ['a:9092'] }, {})).toEqual({
      backend: 'kafka',
      brokers: ['a:9092'],
    });
  });

  it('accepts a URL for every backend', () => {
    expect(resolveConfig('memory://', {})).toEqual({ backend: 'memory' });
    expect(resolveConfig('memory://?capacity=100', {})).toEqual({ backend: 'memory', capacity: 100 });
    expect(resolveConfig('amqp://guest:guest@localhost:5672/%2f', {})).toEqual({
      backend: 'rabbitmq',
      url: 'amqp://guest:guest@localhost:5672/%2f',
    });
    expect(resolveConfig('kafka://k1:9092,k2:9093?partitions=6&clientId=orders', {})).toEqual({
      backend: 'kafka',
      brokers: ['k1:9092', 'k2:9093'],
      partitions: 6,
      clientId: 'orders',
    });
    expect(resolveConfig('zmq+tcp://127.0.0.1:5555?mode=push-pull', {})).toEqual({
      backend: 'zeromq',
      address: 'tcp://127.0.0.1:5555',
      mode: 'push-pull',
    });
    expect(resolveConfig('zmq+ipc:///tmp/anymq.sock', {})).toEqual({
      backend: 'zeromq',
      address: 'ipc:///tmp/anymq.sock',
    });
  });

  it('reads ANYMQ_URL and ANYMQ_* overrides from the environment, typed per option', () => {
    const env = {
      ANYMQ_URL: 'kafka://k1:9092',
      ANYMQ_PARTITIONS: '3',
      ANYMQ_CLIENT_ID: 'billing',
      ANYMQ_SSL: 'true',
      ANYMQ_TEST_BACKENDS: 'kafka', // another tool's variable: ignored
    };
    expect(resolveConfig(undefined, env)).toEqual({
      backend: 'kafka',
      brokers: ['k1:9092'],
      partitions: 3,
      clientId: 'billing',
      ssl: true,
    });
    expect(resolveConfig(undefined, { ANYMQ_BACKEND: 'kafka', ANYMQ_BROKERS: 'a:1, b:2' })).toEqual({
      backend: 'kafka',
      brokers: ['a:1', 'b:2'],
    });
  });
});

describe('config errors name the field and the fix', () => {
  it('an unknown key, with a suggestion', () => {
    const error = configError(() => validateConfig({ backend: 'kafka', brokers: ['a:1'], partitons: 3 }));
    expect(error.field).toBe('partitons');
    expect(error.message).toContain('did you mean "partitions"');
    expect(error.message).toContain('Fix: remove it');
  });

  it('a wrong type', () => {
    const error = configError(() => validateConfig({ backend: 'memory', capacity: 'lots' }));
    expect(error.field).toBe('capacity');
    expect(error.message).toMatch(/capacity.*number/);
  });

  it('a missing required field', () => {
    const error = configError(() => validateConfig({ backend: 'rabbitmq' }));
    expect(error.field).toBe('url');
    expect(error.message).toContain('is required');
    expect(error.message).toContain('Fix: add url');
  });

  it('an unknown or missing backend', () => {
    expect(configError(() => validateConfig({ backend: 'sqs' })).message).toContain(
      'must be one of memory, rabbitmq, kafka, zeromq (got "sqs")',
    );
    expect(configError(() => validateConfig({})).field).toBe('backend');
  });

  it('a value that is not an object', () => {
    for (const bad of [null, 42, ['memory']]) {
      expect(configError(() => validateConfig(bad)).message).toContain('config must be an object');
    }
  });

  it('a nested field', () => {
    const error = configError(() => validateConfig({ backend: 'kafka', brokers: ['a:1', 'no-port'] }));
    expect(error.field).toBe('brokers.1');
    expect(error.message).toContain('must be host:port');
  });

  it('a URL with an unknown scheme or none', () => {
    expect(configError(() => parseConfigUrl('redis://localhost')).message).toContain('scheme "redis:" is not supported');
    expect(configError(() => parseConfigUrl('localhost:5672')).message).toContain('Fix:');
  });

  it('an environment override that belongs to another backend', () => {
    const error = configError(() => configFromEnv({ ANYMQ_URL: 'amqp://localhost', ANYMQ_PARTITIONS: '3' }));
    expect(error.field).toBe('ANYMQ_PARTITIONS');
    expect(error.message).toContain('kafka backend');
  });

  it('never echoes a password', () => {
    const error = configError(() => parseConfigUrl('redis://admin:s3cret@host'));
    expect(error.message).not.toContain('s3cret');
    const kafka = configError(() => parseConfigUrl('kafka://user:s3cret@host:9092'));
    expect(kafka.message).not.toContain('s3cret');
    const invalid = configError(() => validateConfig({ backend: 'rabbitmq', url: 'http://u:s3cret@host' }));
    expect(invalid.message).not.toContain('s3cret');
  });

  it('URL query parameters without a name, or named like Object internals, are refused (found by fast-check)', () => {
    expect(configError(() => resolveConfig('memory://?=1', {})).field).toBe('url');
    expect(configError(() => resolveConfig('memory://?+', {})).field).toBe('url');
    expect(configError(() => resolveConfig('memory://?__proto__=x', {})).field).toBe('__proto__');
    expect(configError(() => resolveConfig('kafka://k:9092?constructor=1', {})).field).toBe('constructor');
  });
});
