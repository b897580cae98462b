import { GenericContainer, Wait } from 'testcontainers';
import type { ContainerPlan } from './container-plan.js';
import { freePort } from './free-port.js';

export const defaultKafkaImage = 'apache/kafka:3.9.1';

/**
 * One KRaft node (broker and controller). Not `@testcontainers/kafka`: it drives the image through
 * its own start script, which only Confluent's and Apache's images have. The listener's port is the
 * host port (or `advertisedPort`), so the address Kafka advertises is the one clients dial, also
 * after a restart. The environment suits both the official image and images that read
 * `KAFKA_PORT`/`KAFKA_ADVERTISED_HOST` (ours, built from the Apache release).
 */
export async function kafkaPlan(image: string, advertisedPort: number | undefined): Promise<ContainerPlan> {
  const port = advertisedPort ?? (await freePort());
  const hostPort = advertisedPort === undefined ? port : await freePort();
  const container = new GenericContainer(image)
    .withEnvironment({
      KAFKA_PORT: String(port),
      KAFKA_ADVERTISED_HOST: '127.0.0.1',
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
      // anymq creates its topics; a typo in a test should fail, not make a topic.
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withExposedPorts({ container: port, host: hostPort })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/));
  // Advertised as 127.0.0.1: what a container runtime on this machine publishes ports on.
  return {
    container,
    hostPort,
    address: () => ({ url: `kafka://127.0.0.1:${port}`, hosts: [`127.0.0.1:${port}`] }),
  };
}
