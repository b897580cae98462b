import type { BackendConfig } from '@anymq/core';
import { RabbitmqTransport } from './rabbitmq-transport.js';

export { RabbitmqTransport } from './rabbitmq-transport.js';
export { groupQueueName, retryQueueName, delayQueueName, delayBucket } from './topology.js';

/** Called by `connect('amqp://…')` or `connect({ backend: 'rabbitmq', url })`. */
export function createTransport(config: BackendConfig<'rabbitmq'>): RabbitmqTransport {
  return new RabbitmqTransport(config);
}
