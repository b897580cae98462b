import { Kafka, logLevel } from 'kafkajs';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { freePort } from './free-port.ts';
import { freezeContainer } from './freeze-container.ts';
import { retryUntil } from './until.ts';

/**
 * A Kafka for tests. From `ANYMQ_KAFKA_BROKERS` (host:port list) when set (external mode), else a
 * single KRaft node of `ANYMQ_KAFKA_IMAGE` (default: the official apache/kafka image) started by
 * Testcontainers. The host port is chosen first and mapped 1:1, so that the advertised listener is
 * the address the client dials, also after a restart.
 */
export interface KafkaBroker {
  readonly brokers: string[];
  restart(): Promise<void>;
  /** Freezes the broker for `ms` (container paused), then thaws it. Containers only. */
  freeze(ms: number): Promise<void>;
  /** Where the broker listens on the host (differs from `brokers` when started with `advertisedPort`). */
  readonly hostPort: number;
  stop(): Promise<void>;
}

/**
 * `advertisedPort`: the port clients are told to dial, when something else (a TCP proxy) listens
 * there and forwards to `hostPort`.
 */
export async function startKafka(env = process.env, options: { advertisedPort?: number } = {}): Promise<KafkaBroker> {
  if (env.ANYMQ_KAFKA_BROKERS) {
    const brokers = env.ANYMQ_KAFKA_BROKERS.split(',');
    return {
      brokers,
      hostPort: Number(brokers[0]?.split(':')[1]),
      restart: () => Promise.reject(new Error('external Kafka (ANYMQ_KAFKA_BROKERS) cannot be restarted by the tests')),
      freeze: () => Promise.reject(new Error('external Kafka (ANYMQ_KAFKA_BROKERS) cannot be frozen by the tests')),
      stop: async () => undefined,
    };
  }
  const image = env.ANYMQ_KAFKA_IMAGE ?? 'apache/kafka:3.9.1';
  const port = options.advertisedPort ?? (await freePort());
  const hostPort = options.advertisedPort === undefined ? port : await freePort();
  const logs: string[] = [];
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(image)
      .withEnvironment({
        // Read by the locally built image's start script:
        KAFKA_PORT: String(port),
        KAFKA_ADVERTISED_HOST: '127.0.0.1',
        // Read by the official image:
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:29093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:29093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withExposedPorts({ container: port, host: hostPort })
      .withLogConsumer((stream) => stream.on('data', (line: Buffer | string) => logs.push(String(line))))
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(180_000)
      .start();
  } catch (error) {
    const tail = logs.join('').split('\n').slice(-40).join('\n');
    throw new Error(`Kafka container (${image}) did not start: ${String(error)}\n--- last log lines ---\n${tail}`, {
      cause: error,
    });
  }
  const brokers = [`127.0.0.1:${port}`];
  return {
    brokers,
    hostPort,
    async restart() {
      await container.restart();
      await waitUntilServing(brokers, 120_000);
    },
    freeze: (ms) => freezeContainer(container, ms),
    stop: async () => {
      await container.stop();
    },
  };
}

/** Bounded readiness probe: the broker answers a metadata request. */
function waitUntilServing(brokers: string[], timeoutMs: number): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  const probe = async () => {
    try {
      await admin.connect();
      await admin.listTopics();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  return retryUntil(probe, 'Kafka to serve again after a restart', timeoutMs, 250);
}
