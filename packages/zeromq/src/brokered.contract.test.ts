import { runContractSuite } from '@anymq/contract';
import { afterAll } from 'vitest';
import { ZmqBrokeredTransport } from './brokered-transport.js';
import { ZmqProxy } from './proxy.js';

const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*' });
await proxy.start();
afterAll(() => proxy.close());

runContractSuite('zeromq brokered', () => new ZmqBrokeredTransport({ backend: 'zeromq', address: proxy.endpoint }), {
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
  requestReply: false,
  countsAbandonedDeliveries: true,
});
