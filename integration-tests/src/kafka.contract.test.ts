import { runContractSuite } from '@anymq/contract';
import { KafkaTransport } from '@anymq/kafka';
import { describe, inject } from 'vitest';
import { kafkaCapabilities } from './expected-capabilities.ts';

// The reconnect part needs a broker it may restart: faults/contract-reconnect.test.ts runs it.
describe.runIf(inject('backends').includes('kafka'))('kafka', () => {
  runContractSuite(
    'kafka',
    () => new KafkaTransport({ backend: 'kafka', brokers: inject('kafkaBrokers') }),
    kafkaCapabilities,
    { timeoutMs: 30_000 },
  );
});
