import { RabbitMQContainer } from '@testcontainers/rabbitmq';
import type { ContainerPlan } from './container-plan.js';
import { freePort } from './free-port.js';

export const defaultRabbitmqImage = 'rabbitmq:3.13';
const user = 'anymq';
const password = 'anymq-test';

/**
 * Testcontainers' RabbitMQ module, with a user of its own (RabbitMQ's `guest` may only connect from
 * the container's own loopback) and AMQP published on a fixed host port.
 */
export async function rabbitmqPlan(image: string): Promise<ContainerPlan> {
  const hostPort = await freePort();
  const container = new RabbitMQContainer(image)
    .withEnvironment({
      RABBITMQ_DEFAULT_USER: user,
      RABBITMQ_DEFAULT_PASS: password,
      RABBITMQ_LOGS: '-',
      HOME: '/var/lib/rabbitmq',
    })
    .withExposedPorts({ container: 5672, host: hostPort });
  return {
    container,
    hostPort,
    address: (host) => ({ url: `amqp://${user}:${password}@${host}:${hostPort}`, hosts: [`${host}:${hostPort}`] }),
  };
}
