import { defineAdapter } from '@anymq/core/transport';
import type { z } from 'zod';
import { rabbitmqOptions } from './config.js';
import { RabbitmqTransport } from './rabbitmq-transport.js';

/** The rabbitmq backend's plug-in, found by `connect('amqp://…')` or `connect({ backend: 'rabbitmq', url })`. */
export const adapter = defineAdapter({
  backend: 'rabbitmq',
  packageName: '@anymq/rabbitmq',
  schemes: ['amqp', 'amqps'],
  options: rabbitmqOptions,
  // The whole URL is amqplib's, query (heartbeat, frameMax, …) included.
  fromUrl: (url) => ({ url: url.href }),
  createTransport: (config) => new RabbitmqTransport(config),
});

declare module '@anymq/core/transport' {
  interface AdapterConfigs {
    rabbitmq: z.input<typeof rabbitmqOptions>;
  }
}
