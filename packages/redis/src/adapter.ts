import { ConfigError, defineAdapter } from '@anymq/core/transport';
import type { z } from 'zod';
import { redisOptions } from './config.js';
import { RedisTransport } from './redis-transport.js';

/** The redis backend's plug-in, found by `connect('redis://host:6379')` or `connect({ backend: 'redis' })`. */
export const adapter = defineAdapter({
  backend: 'redis',
  packageName: '@anymq/redis',
  schemes: ['redis', 'rediss'],
  options: redisOptions,
  // redis[s]://[[user]:pass@]host[:port][/db][?claimTimeoutMs=10000]
  fromUrl(url) {
    const options: Record<string, unknown> = { ...url.queryOptions() };
    if (url.scheme === 'rediss') options.tls = true;
    const at = url.rest.lastIndexOf('@');
    const credentials = at === -1 ? '' : url.rest.slice(0, at);
    const [where = '', db] = (at === -1 ? url.rest : url.rest.slice(at + 1)).split('/');
    const colon = where.lastIndexOf(':');
    if (colon === -1) options.host = where || undefined;
    else {
      options.host = where.slice(0, colon) || undefined;
      options.port = Number(where.slice(colon + 1));
    }
    if (db) options.db = /^\d+$/.test(db) ? Number(db) : db;
    if (credentials) {
      const split = credentials.indexOf(':');
      try {
        const user = decodeURIComponent(split === -1 ? credentials : credentials.slice(0, split));
        if (user) options.username = user;
        if (split !== -1) options.password = decodeURIComponent(credentials.slice(split + 1));
      } catch {
        throw new ConfigError(
          'config URL for redis has credentials that are not URL-encoded. Fix: percent-encode the user and password.',
          { field: 'url' },
        );
      }
    }
    for (const name of Object.keys(options)) if (options[name] === undefined) delete options[name];
    return options;
  },
  createTransport: (config) => new RedisTransport(config),
});

declare module '@anymq/core/transport' {
  interface AdapterConfigs {
    redis: z.input<typeof redisOptions>;
  }
}
