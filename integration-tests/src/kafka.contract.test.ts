import { runContractSuite } from '@anymq/contract';
import { KafkaTransport } from '@anymq/kafka';
import { describe, inject } from 'vitest';

const selected = inject('backends').includes('kafka');

describe.runIf(selected)('kafka', () => {
  runContractSuite('kafka', () => new KafkaTransport({ backend: 'kafka', brokers: inject('kafkaBrokers') }), {
    durable: true,
    retainsForIdleGroups: true,
    replay: true,
    ordering: 'key',
    redelivery: true,
    delayedDelivery: true,
    fanOut: true,
    competingConsumers: true,
    deadLetters: true,
    multipleQueues: true,
    countsAbandonedDeliveries: true,
    maxMessageBytes: 1_000_000,
  }, { timeoutMs: 30_000 });
});
