// Adapters for unit tests of config resolution and loading: real schemas, no transports (config
// tests never create one). Shaped like the kinds of option sets adapters have: a URL, a list of
// hosts, an in-process default.
import { z } from 'zod';
import { type Adapter, defineAdapter } from './adapter.js';

const notCreated = (): never => {
  throw new Error('config tests do not create transports');
};
const positiveInt = z.number().int().positive();

export const urlAdapter = defineAdapter({
  backend: 'urlmq',
  packageName: '@anymq/urlmq',
  schemes: ['umq', 'umqs'],
  options: z.strictObject({
    url: z.string().regex(/^umqs?:\/\//, 'must start with umq:// or umqs://'),
    heartbeatSeconds: positiveInt.optional(),
    queueType: z.enum(['quorum', 'classic']).optional(),
    publishWindow: positiveInt.optional(),
    tls: z.record(z.string(), z.unknown()).optional(),
  }),
  fromUrl: (url) => ({ url: url.href }),
  createTransport: notCreated,
});

export const hostsAdapter = defineAdapter({
  backend: 'hostsmq',
  packageName: '@anymq/hostsmq',
  schemes: ['hmq'],
  options: z.strictObject({
    brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1),
    partitions: positiveInt.optional(),
    clientId: z.string().min(1).optional(),
    ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
    sasl: z.strictObject({ mechanism: z.enum(['plain']), username: z.string(), password: z.string() }).optional(),
  }),
  fromUrl: (url) => ({ brokers: url.rest.split(',').filter(Boolean), ...url.queryOptions() }),
  createTransport: notCreated,
});

/** Named as the default backend, so that "nothing configured" resolves without importing a package. */
export const defaultAdapter = defineAdapter({
  backend: 'memory',
  packageName: '@anymq/memory',
  schemes: ['memory'],
  options: z.strictObject({ capacity: positiveInt.optional() }),
  fromUrl: (url) => url.queryOptions(),
  createTransport: notCreated,
});

export const fixtureAdapters: readonly Adapter[] = [urlAdapter, hostsAdapter, defaultAdapter];

/** Imports nothing: every package is "not installed". */
export const nothingInstalled = (specifier: string) =>
  Promise.reject(Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }));
