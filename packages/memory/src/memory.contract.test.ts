import { runContractSuite } from '@anymq/contract';
import { MemoryTransport } from './memory-transport.js';

runContractSuite('memory', () => new MemoryTransport(), {
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
});
