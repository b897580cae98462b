// The contract suite's reconnect part, run from the suite itself against a broker of its own that
// the suite restarts (the shared brokers of the other files must not be restarted under them).
import { runContractSuite } from '@anymq/contract';
import { KafkaTransport } from '@anymq/kafka';
import { NatsTransport } from '@anymq/nats';
import { RabbitmqTransport } from '@anymq/rabbitmq';
import { RedisTransport } from '@anymq/redis';
import type { Broker } from '@anymq/testing';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import {
  kafkaCapabilities,
  natsCapabilities,
  rabbitmqCapabilities,
  redisCapabilities,
} from '../expected-capabilities.ts';
import { redisConfig } from '../redis-config.ts';
import { startTestBroker } from '../test-brokers.ts';

const backends = inject('backends');
const T = 120_000; // a restart of a broker in a container, and the client's reconnect after it

describe.runIf(backends.includes('rabbitmq') && !process.env.ANYMQ_RABBITMQ_URL)(
  'rabbitmq, restarted by the contract suite',
  () => {
    let broker: Broker | undefined;
    beforeAll(async () => {
      broker = await startTestBroker('rabbitmq');
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'rabbitmq',
      () =>
        new RabbitmqTransport({
          backend: 'rabbitmq',
          url: (broker as Broker).url,
          publishTimeoutMs: T,
          heartbeatSeconds: 2,
        }),
      rabbitmqCapabilities,
      {
        parts: ['reconnect'],
        broker: { restart: () => (broker as Broker).restart({ graceSeconds: 0 }) },
        timeoutMs: T,
      },
    );
  },
);

describe.runIf(backends.includes('kafka') && !process.env.ANYMQ_KAFKA_BROKERS)(
  'kafka, restarted by the contract suite',
  () => {
    let broker: Broker | undefined;
    beforeAll(async () => {
      broker = await startTestBroker('kafka');
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'kafka',
      () => new KafkaTransport({ backend: 'kafka', brokers: [...(broker as Broker).hosts] }),
      kafkaCapabilities,
      {
        parts: ['reconnect'],
        broker: { restart: () => (broker as Broker).restart({ graceSeconds: 0 }) },
        timeoutMs: T,
      },
    );
  },
);

describe.runIf(backends.includes('nats') && !process.env.ANYMQ_NATS_SERVERS)(
  'nats, restarted by the contract suite',
  () => {
    let broker: Broker | undefined;
    beforeAll(async () => {
      broker = await startTestBroker('nats');
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'nats',
      () => new NatsTransport({ backend: 'nats', servers: [...(broker as Broker).hosts], ackWaitMs: 5_000 }),
      natsCapabilities,
      { parts: ['reconnect'], broker: { restart: () => (broker as Broker).restart() }, timeoutMs: T },
    );
  },
);

describe.runIf(backends.includes('redis') && !process.env.ANYMQ_REDIS_URL)(
  'redis, restarted by the contract suite',
  () => {
    let broker: Broker | undefined;
    beforeAll(async () => {
      broker = await startTestBroker('redis');
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'redis',
      () => new RedisTransport({ ...redisConfig((broker as Broker).url), claimTimeoutMs: 5_000 }),
      redisCapabilities(true),
      { parts: ['reconnect'], broker: { restart: () => (broker as Broker).restart() }, timeoutMs: T },
    );
  },
);
