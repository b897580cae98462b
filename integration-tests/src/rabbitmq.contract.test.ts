import { runContractSuite } from '@anymq/contract';
import { RabbitmqTransport } from '@anymq/rabbitmq';
import { describe, inject } from 'vitest';

const selected = inject('backends').includes('rabbitmq');

describe.runIf(selected)('rabbitmq', () => {
  runContractSuite('rabbitmq', () => new RabbitmqTransport({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }), {
    durable: true,
    retainsForIdleGroups: true,
    replay: false,
    ordering: 'queue',
    redelivery: true,
    delayedDelivery: true,
    fanOut: true,
    competingConsumers: true,
    deadLetters: true,
    multipleQueues: true,
    countsAbandonedDeliveries: true,
  });
});
