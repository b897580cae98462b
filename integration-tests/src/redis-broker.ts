import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { freezeContainer } from './freeze-container.ts';
import { retryUntil } from './until.ts';

/**
 * A Redis server for tests. From `ANYMQ_REDIS_URL` when set (external mode, e.g. the server on
 * 127.0.0.1:6379, which keeps nothing over a restart), else a container of `ANYMQ_REDIS_IMAGE`
 * (default: the official image) started by Testcontainers' Redis module, with an append-only file
 * written before every answer (`appendfsync always`), so that what Redis acknowledged survives a
 * restart.
 */
export interface RedisBroker {
  readonly url: string;
  /** Restarts the server; resolves once it answers again. Containers only. */
  restart(): Promise<void>;
  /** Freezes the server for `ms` (it hangs, connections stay open). Containers only. */
  freeze(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(env = process.env): Promise<RedisBroker> {
  if (env.ANYMQ_REDIS_URL) {
    return {
      url: env.ANYMQ_REDIS_URL,
      restart: () => Promise.reject(new Error('external Redis (ANYMQ_REDIS_URL) cannot be restarted by the tests')),
      freeze: () => Promise.reject(new Error('external Redis (ANYMQ_REDIS_URL) cannot be frozen by the tests')),
      stop: async () => undefined,
    };
  }
  const image = env.ANYMQ_REDIS_IMAGE ?? 'redis:7';
  let container: StartedRedisContainer;
  try {
    container = await new RedisContainer(image)
      .withCommand(['redis-server', '--protected-mode', 'no', '--appendonly', 'yes', '--appendfsync', 'always'])
      .start();
  } catch (error) {
    throw new Error(`Redis container (${image}) did not start: ${String(error)}`, { cause: error });
  }
  const url = `redis://${container.getHost()}:${container.getPort()}`;
  return {
    url,
    async restart() {
      // Podman keeps the container's host port over a restart (checked by the restart fault test);
      // Podman's CLI sees the containers its Docker API started (images/start-podman-service.sh).
      execFileSync('podman', ['restart', '--time', '10', container.getId()], { stdio: 'ignore', timeout: 60_000 });
      await retryUntil(
        async () => {
          const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          client.on('error', () => undefined);
          try {
            await client.connect();
            await client.ping();
          } finally {
            client.disconnect();
          }
        },
        'Redis to answer again after a restart',
        60_000,
      );
    },
    freeze: (ms) => freezeContainer(container, ms),
    stop: async () => {
      await container.stop();
    },
  };
}

/** The transport config for a `redis://host:port` URL of a test server. */
export function redisConfig(url: string): { backend: 'redis'; host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { backend: 'redis', host: hostname, port: Number(port || 6379) };
}
