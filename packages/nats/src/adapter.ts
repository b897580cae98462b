import { ConfigError, defineAdapter } from '@anymq/core/transport';
import type { z } from 'zod';
import { natsOptions } from './config.js';
import { NatsTransport } from './nats-transport.js';

/** The nats backend's plug-in, found by `connect('nats://host:4222')` or `connect({ backend: 'nats', servers })`. */
export const adapter = defineAdapter({
  backend: 'nats',
  packageName: '@anymq/nats',
  schemes: ['nats'],
  options: natsOptions,
  // nats://[user:pass@]h1:4222,h2:4222?ackWaitMs=10000
  fromUrl(url) {
    const at = url.rest.lastIndexOf('@');
    const credentials = at === -1 ? '' : url.rest.slice(0, at);
    const hosts = (at === -1 ? url.rest : url.rest.slice(at + 1)).replace(/\/+$/, '');
    const options: Record<string, unknown> = { servers: hosts.split(',').filter(Boolean), ...url.queryOptions() };
    if (credentials) {
      const colon = credentials.indexOf(':');
      try {
        if (colon === -1) options.token = decodeURIComponent(credentials);
        else {
          options.user = decodeURIComponent(credentials.slice(0, colon));
          options.pass = decodeURIComponent(credentials.slice(colon + 1));
        }
      } catch {
        throw new ConfigError(
          'config URL for nats has credentials that are not URL-encoded. Fix: percent-encode the user and password.',
          { field: 'url' },
        );
      }
    }
    return options;
  },
  createTransport: (config) => new NatsTransport(config),
});

declare module '@anymq/core/transport' {
  interface AdapterConfigs {
    nats: z.input<typeof natsOptions>;
  }
}
