import { ConfigError, defineAdapter } from '@anymq/core/transport';
import type { z } from 'zod';
import { kafkaOptions } from './config.js';
import { KafkaTransport } from './kafka-transport.js';

/** The kafka backend's plug-in, found by `connect('kafka://host:9092')` or `connect({ backend: 'kafka', brokers })`. */
export const adapter = defineAdapter({
  backend: 'kafka',
  packageName: '@anymq/kafka',
  schemes: ['kafka'],
  options: kafkaOptions,
  fromUrl(url) {
    if (url.rest.includes('@')) {
      throw new ConfigError(
        'config URL for kafka must not carry credentials. Fix: pass them as sasl: { mechanism, username, password } in the config object, or ANYMQ_SASL as JSON.',
        { field: 'url' },
      );
    }
    return { brokers: url.rest.replace(/\/+$/, '').split(',').filter(Boolean), ...url.queryOptions() };
  },
  createTransport: (config) => new KafkaTransport(config),
});

declare module '@anymq/core/transport' {
  interface AdapterConfigs {
    kafka: z.input<typeof kafkaOptions>;
  }
}
