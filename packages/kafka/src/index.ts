export { adapter } from './adapter.js';
export { kafkaOptions, type KafkaConfig } from './config.js';
export { KafkaTransport } from './kafka-transport.js';
export { kafkaGroupId, retryTopic, delayTopic } from './topics.js';
