import { GenericContainer, Wait } from 'testcontainers';
import type { ContainerPlan } from './container-plan.js';
import { freePort } from './free-port.js';

export const defaultNatsImage = 'nats:2.10';

/** A NATS server with JetStream (`-js`, stored in the container). The official image takes its flags as the command. */
export async function natsPlan(image: string): Promise<ContainerPlan> {
  const hostPort = await freePort();
  const container = new GenericContainer(image)
    .withCommand(image.startsWith('nats:') ? ['-js', '-sd', '/data'] : [])
    .withExposedPorts({ container: 4222, host: hostPort })
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/));
  return {
    container,
    hostPort,
    address: (host) => ({ url: `nats://${host}:${hostPort}`, hosts: [`${host}:${hostPort}`] }),
  };
}
