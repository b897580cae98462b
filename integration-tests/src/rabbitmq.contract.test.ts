import { runContractSuite } from '@anymq/contract';
import { RabbitmqTransport } from '@anymq/rabbitmq';
import { describe, inject } from 'vitest';
import { rabbitmqCapabilities } from './expected-capabilities.ts';

// The reconnect part needs a broker it may restart: faults/contract-reconnect.test.ts runs it.
describe.runIf(inject('backends').includes('rabbitmq'))('rabbitmq', () => {
  runContractSuite(
    'rabbitmq',
    () => new RabbitmqTransport({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }),
    rabbitmqCapabilities,
  );
  // Priority queues (x-max-priority): the parts about what arrives and in which order.
  runContractSuite(
    'rabbitmq with maxPriority',
    () => new RabbitmqTransport({ backend: 'rabbitmq', url: inject('rabbitmqUrl'), maxPriority: 10 }),
    { ...rabbitmqCapabilities, priorities: { maxPriority: 10 } },
    { parts: ['delivery', 'ordering', 'retries'] },
  );
});
