import { runContractSuite } from '@anymq/contract';
import { ZmqDirectTransport } from './direct-transport.js';

const common = {
  durable: false,
  retainsForIdleGroups: false,
  replay: false,
  ordering: 'queue',
  redelivery: false,
  delayedDelivery: true,
  deadLetters: false,
} as const;

// Each transport binds a port of its own; its consumers connect to the port it bound.
const address = () => 'tcp://127.0.0.1:*';

runContractSuite(
  'zeromq push-pull',
  () => new ZmqDirectTransport({ backend: 'zeromq', address: address() }, 'push-pull'),
  {
    ...common,
    fanOut: false,
    competingConsumers: true,
    multipleQueues: false,
    countsAbandonedDeliveries: false,
  },
);

runContractSuite('zeromq pub-sub', () => new ZmqDirectTransport({ backend: 'zeromq', address: address() }, 'pub-sub'), {
  ...common,
  fanOut: true,
  competingConsumers: false,
  multipleQueues: true,
  countsAbandonedDeliveries: false,
});
