import { RedisContainer } from '@testcontainers/redis';
import type { ContainerPlan } from './container-plan.js';
import { freePort } from './free-port.js';

export const defaultRedisImage = 'redis:7';

/**
 * Testcontainers' Redis module, with an append-only file written before every answer
 * (`appendfsync always`), so that what Redis acknowledged survives a restart, on a fixed host port.
 */
export async function redisPlan(image: string): Promise<ContainerPlan> {
  const hostPort = await freePort();
  const container = new RedisContainer(image)
    .withCommand(['redis-server', '--protected-mode', 'no', '--appendonly', 'yes', '--appendfsync', 'always'])
    .withExposedPorts({ container: 6379, host: hostPort });
  return {
    container,
    hostPort,
    address: (host) => ({ url: `redis://${host}:${hostPort}`, hosts: [`${host}:${hostPort}`] }),
  };
}
