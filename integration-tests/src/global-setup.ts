import type { TestProject } from 'vitest/node';
import { selectedBackends } from './backends.ts';
import { startTestBroker } from './test-brokers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    backends: string[];
    rabbitmqUrl: string;
    rabbitmqCtl: readonly string[];
    kafkaBrokers: string[];
    natsServers: string[];
    redisUrl: string;
  }
}

/** Starts each selected broker once for the whole run; a broker that cannot start fails the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backends = selectedBackends();
  project.provide('backends', backends);
  const stops: (() => Promise<void>)[] = [];
  for (const backend of backends) {
    const started = Date.now();
    const broker = await startTestBroker(backend);
    console.log(`${backend} ready in ${Date.now() - started} ms at ${broker.hosts.join(',')}`);
    stops.push(() => broker.stop());
    if (backend === 'rabbitmq') {
      project.provide('rabbitmqUrl', broker.url);
      // Podman's CLI sees the containers its Docker API started (images/start-podman-service.sh).
      project.provide('rabbitmqCtl', broker.containerId ? ['podman', 'exec', broker.containerId, 'rabbitmqctl'] : []);
    }
    if (backend === 'kafka') project.provide('kafkaBrokers', [...broker.hosts]);
    if (backend === 'nats') project.provide('natsServers', [...broker.hosts]);
    if (backend === 'redis') project.provide('redisUrl', broker.url);
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
