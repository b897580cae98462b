import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureAdapters, nothingInstalled } from './adapters.fixture.js';
import { configFromEnv, type ConfigInput, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';
import { assertName } from './names.js';

/**
 * Whatever a user passes as config, anymq either accepts it or throws a ConfigError that names the
 * field (never a TypeError from deep inside, never a hang) and never echoes a secret.
 */
async function acceptsOrNamesTheField(run: () => unknown): Promise<void> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toMatch(/\S/);
    expect((error as ConfigError).message).toMatch(/\S/);
  }
}

const known = { adapters: fixtureAdapters, importModule: nothingInstalled };
const resolve = (input: unknown, env: Record<string, string | undefined> = {}) =>
  resolveConfig(input as ConfigInput, { ...known, env });
const backendName = fc.constantFrom('memory', 'urlmq', 'hostsmq', 'kafka', '', 'UrlMQ', '../x');
const optionValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string()),
  fc.object(),
);
const optionName = fc.constantFrom(
  'url',
  'brokers',
  'address',
  'capacity',
  'queueType',
  'partitions',
  'heartbeatSeconds',
  'tls',
  'ssl',
  'sasl',
  'clientId',
  'urls',
  '__proto__',
  'constructor',
);

// Each property runs a bounded number of cases; on two busy cores (every package's tests at once)
// that took 7 s, past vitest's 5 s default, so the bound is the case count, with a wide timeout.
describe('config, property-based', { timeout: 60_000 }, () => {
  it('random values of any type', () => {
    return fc.assert(
      fc.asyncProperty(fc.anything(), (input) => acceptsOrNamesTheField(() => resolve(input))),
      { numRuns: 500 },
    );
  });

  it('random objects with a backend and plausible option names', () => {
    const config = fc
      .record({ backend: backendName })
      .chain((base) =>
        fc.dictionary(optionName, optionValue, { maxKeys: 4 }).map((options) => ({ ...options, ...base })),
      );
    return fc.assert(
      fc.asyncProperty(config, (input) => acceptsOrNamesTheField(() => resolve(input))),
      { numRuns: 1000 },
    );
  });

  it('random URLs, with and without known schemes', () => {
    const scheme = fc.constantFrom('memory', 'umq', 'umqs', 'hmq', 'http', 'redis', '');
    const url = fc.oneof(
      fc.string(),
      fc.webUrl({ withQueryParameters: true }),
      fc.tuple(scheme, fc.string(), fc.webQueryParameters()).map(([s, rest, query]) => `${s}://${rest}?${query}`),
    );
    return fc.assert(
      fc.asyncProperty(url, (input) => acceptsOrNamesTheField(() => resolve(input))),
      { numRuns: 1000 },
    );
  });

  it('random environments', () => {
    const key = fc.constantFrom(
      'ANYMQ_URL',
      'ANYMQ_BACKEND',
      'ANYMQ_URLMQ_URL',
      'ANYMQ_BROKERS',
      'ANYMQ_CAPACITY',
      'ANYMQ_PARTITIONS',
      'ANYMQ_TLS',
      'ANYMQ_SSL',
      'ANYMQ_OTHER',
    );
    return fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.string(), { maxKeys: 4 }), async (env) => {
        await acceptsOrNamesTheField(() => configFromEnv(env, known));
        await acceptsOrNamesTheField(() => resolve(undefined, env));
      }),
      { numRuns: 500 },
    );
  });

  it('a password never appears in the error of an invalid config', () => {
    const password = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/);
    const broken = fc.constantFrom(
      { queueType: 'fast' },
      { heartbeatSeconds: -1 },
      { publishWindow: 'many' },
      { unknownOption: 1 },
    );
    return fc.assert(
      fc.asyncProperty(password, broken, async (secret, extra) => {
        for (const input of [
          { backend: 'urlmq', url: `umq://user:${secret}@localhost:5672`, ...extra },
          { backend: 'urlmq', url: `http://user:${secret}@localhost:5672` },
          `sqs://user:${secret}@localhost:5672`,
          {
            backend: 'hostsmq',
            brokers: ['k:9092'],
            sasl: { mechanism: 'plain', username: 'u', password: secret },
            ...extra,
          },
        ]) {
          try {
            await resolve(input);
          } catch (error) {
            expect(String((error as Error).message)).not.toContain(secret);
            expect(JSON.stringify(error)).not.toContain(secret);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('queue and group names, property-based', { timeout: 60_000 }, () => {
  const safe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

  it('any string is either a safe name or a ConfigError naming the kind', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[A-Za-z0-9._#*/ >-]{0,12}$/)),
        (name) => {
          if (safe.test(name)) {
            expect(() => assertName('queue', name)).not.toThrow();
            return;
          }
          for (const kind of ['queue', 'group'] as const) {
            const error = (() => {
              try {
                assertName(kind, name);
              } catch (thrown) {
                return thrown;
              }
              throw new Error(`${JSON.stringify(name)} was accepted as a ${kind} name`);
            })();
            expect(error).toBeInstanceOf(ConfigError);
            expect((error as ConfigError).field).toBe(kind);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('names that would inject into broker names are refused', () => {
    for (const name of [
      'orders.#',
      'orders.*',
      'a b',
      '../etc',
      'a/b',
      '',
      '.hidden',
      '-x',
      'x\u0000y',
      'x\ny',
      'é',
      'amq.gen|x',
      'x'.repeat(201),
    ]) {
      expect(() => assertName('group', name), JSON.stringify(name)).toThrow(ConfigError);
    }
  });
});
