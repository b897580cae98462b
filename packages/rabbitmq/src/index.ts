export { adapter } from './adapter.js';
export { rabbitmqOptions, type RabbitmqConfig } from './config.js';
export { RabbitmqTransport } from './rabbitmq-transport.js';
export { groupQueueName, retryQueueName, delayQueueName, delayBucket } from './topology.js';
