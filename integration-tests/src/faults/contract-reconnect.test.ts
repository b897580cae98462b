// The contract suite's reconnect part, run from the suite itself against a broker of its own that
// the suite restarts (the shared brokers of the other files must not be restarted under them).
import { runContractSuite } from '@anymq/contract';
import { KafkaTransport } from '@anymq/kafka';
import { NatsTransport } from '@anymq/nats';
import { RabbitmqTransport } from '@anymq/rabbitmq';
import { RedisTransport } from '@anymq/redis';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import {
  kafkaCapabilities,
  natsCapabilities,
  rabbitmqCapabilities,
  redisCapabilities,
} from '../expected-capabilities.ts';
import { type KafkaBroker, startKafka } from '../kafka-broker.ts';
import { type NatsBroker, startNats } from '../nats-broker.ts';
import { type RabbitmqBroker, startRabbitmq } from '../rabbitmq-broker.ts';
import { type RedisBroker, redisConfig, startRedis } from '../redis-broker.ts';

const backends = inject('backends');
const T = 120_000; // a restart of a broker in a container, and the client's reconnect after it

describe.runIf(backends.includes('rabbitmq') && !process.env.ANYMQ_RABBITMQ_URL)(
  'rabbitmq, restarted by the contract suite',
  () => {
    let broker: RabbitmqBroker | undefined;
    beforeAll(async () => {
      broker = await startRabbitmq();
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'rabbitmq',
      () =>
        new RabbitmqTransport({
          backend: 'rabbitmq',
          url: (broker as RabbitmqBroker).url,
          publishTimeoutMs: T,
          heartbeatSeconds: 2,
        }),
      rabbitmqCapabilities,
      { parts: ['reconnect'], broker: { restart: () => (broker as RabbitmqBroker).restart() }, timeoutMs: T },
    );
  },
);

describe.runIf(backends.includes('kafka') && !process.env.ANYMQ_KAFKA_BROKERS)(
  'kafka, restarted by the contract suite',
  () => {
    let broker: KafkaBroker | undefined;
    beforeAll(async () => {
      broker = await startKafka();
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'kafka',
      () => new KafkaTransport({ backend: 'kafka', brokers: (broker as KafkaBroker).brokers }),
      kafkaCapabilities,
      { parts: ['reconnect'], broker: { restart: () => (broker as KafkaBroker).restart() }, timeoutMs: T },
    );
  },
);

describe.runIf(backends.includes('nats') && !process.env.ANYMQ_NATS_SERVERS)(
  'nats, restarted by the contract suite',
  () => {
    let broker: NatsBroker | undefined;
    beforeAll(async () => {
      broker = await startNats();
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'nats',
      () => new NatsTransport({ backend: 'nats', servers: (broker as NatsBroker).servers, ackWaitMs: 5_000 }),
      natsCapabilities,
      { parts: ['reconnect'], broker: { restart: () => (broker as NatsBroker).restart() }, timeoutMs: T },
    );
  },
);

describe.runIf(backends.includes('redis') && !process.env.ANYMQ_REDIS_URL)(
  'redis, restarted by the contract suite',
  () => {
    let broker: RedisBroker | undefined;
    beforeAll(async () => {
      broker = await startRedis();
    }, 240_000);
    afterAll(() => broker?.stop());
    runContractSuite(
      'redis',
      () => new RedisTransport({ ...redisConfig((broker as RedisBroker).url), claimTimeoutMs: 5_000 }),
      redisCapabilities(true),
      { parts: ['reconnect'], broker: { restart: () => (broker as RedisBroker).restart() }, timeoutMs: T },
    );
  },
);
