import type { Capabilities } from '@anymq/core';

// What the contract suite is told each broker's transport guarantees, written out here rather than
// read from the transport, so that the suite's self-check compares two independent statements.

export const rabbitmqCapabilities: Capabilities = {
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
  requestReply: true,
  countsAbandonedDeliveries: true,
  inspection: { waiting: true, inFlight: false, consumers: true, deadLetters: true, listsGroups: false },
  maxMessageBytes: 134_217_728,
};

export const natsCapabilities: Capabilities = {
  durable: true,
  retainsForIdleGroups: true,
  replay: true,
  ordering: 'queue',
  redelivery: true,
  delayedDelivery: false,
  fanOut: true,
  competingConsumers: true,
  deadLetters: true,
  multipleQueues: true,
  requestReply: true,
  countsAbandonedDeliveries: false,
  inspection: { waiting: true, inFlight: true, consumers: false, deadLetters: true, listsGroups: true },
  deduplicatesById: true,
  maxMessageBytes: 1_000_000,
};

/**
 * Redis: durable only where the server keeps an append-only file (the test container does; the
 * server this machine runs for quick tries keeps nothing).
 */
export const redisCapabilities = (durable: boolean): Capabilities => ({
  durable,
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
  countsAbandonedDeliveries: true,
  inspection: { waiting: true, inFlight: true, consumers: false, deadLetters: true, listsGroups: true },
  maxMessageBytes: 8_388_608,
});

export const kafkaCapabilities: Capabilities = {
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
  requestReply: true,
  countsAbandonedDeliveries: true,
  inspection: { waiting: true, inFlight: false, consumers: true, deadLetters: true, listsGroups: false },
  cloudEventsHeaderPrefix: 'ce_',
  maxMessageBytes: 1_000_000,
};
