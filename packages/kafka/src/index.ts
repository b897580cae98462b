import type { BackendConfig } from '@anymq/core';
import { KafkaTransport } from './kafka-transport.js';

export { KafkaTransport } from './kafka-transport.js';
export { kafkaGroupId, retryTopic, delayTopic } from './topics.js';

/** Called by `connect('kafka://host:9092')` or `connect({ backend: 'kafka', brokers })`. */
export function createTransport(config: BackendConfig<'kafka'>): KafkaTransport {
  return new KafkaTransport(config);
}
