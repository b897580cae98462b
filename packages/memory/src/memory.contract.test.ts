import type { Capabilities } from '@anymq/core';
import { runContractSuite } from '@anymq/contract';
import { MemoryTransport } from './memory-transport.js';

const capabilities: Capabilities = {
  durable: false,
  retainsForIdleGroups: true,
  replay: true,
  ordering: 'queue',
  redelivery: true,
  delayedDelivery: true,
  fanOut: true,
  competingConsumers: true,
  deadLetters: true,
  multipleQueues: true,
  requestReply: true,
  countsAbandonedDeliveries: false,
  inspection: { waiting: true, inFlight: true, consumers: true, deadLetters: true, listsGroups: true },
};

runContractSuite('memory', () => new MemoryTransport(), capabilities);

// Priorities: each group reads the log into its own priority order; the rest must hold as before.
runContractSuite('memory with maxPriority', () => new MemoryTransport({ maxPriority: 10 }), {
  ...capabilities,
  priorities: { maxPriority: 10 },
});
