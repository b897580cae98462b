export { adapter } from './adapter.js';
export { natsOptions, type NatsConfig } from './config.js';
export { NatsTransport } from './nats-transport.js';
export { streamName, subjectOf, consumerName } from './names.js';
