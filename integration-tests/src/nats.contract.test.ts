import { runContractSuite } from '@anymq/contract';
import { NatsTransport } from '@anymq/nats';
import { describe, inject } from 'vitest';
import { natsCapabilities } from './expected-capabilities.ts';

// ackWaitMs 5 s: what a member that closed mid-fetch leaves on the wire comes back within a test's wait.
// The reconnect part needs a server it may restart: faults/contract-reconnect.test.ts runs it.
describe.runIf(inject('backends').includes('nats'))('nats', () => {
  runContractSuite(
    'nats',
    () => new NatsTransport({ backend: 'nats', servers: inject('natsServers'), ackWaitMs: 5_000 }),
    natsCapabilities,
    {
      timeoutMs: 15_000,
    },
  );
});
