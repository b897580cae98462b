import type { TestProject } from 'vitest/node';
import { selectedBackends } from './backends.ts';
import { startKafka } from './kafka-broker.ts';
import { type RabbitmqBroker, startRabbitmq } from './rabbitmq-broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    backends: string[];
    rabbitmqUrl: string;
    kafkaBrokers: string[];
  }
}

/** Starts each selected broker once for the whole run; a broker that cannot start fails the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backends = selectedBackends();
  project.provide('backends', backends);
  const stops: (() => Promise<void>)[] = [];
  if (backends.includes('rabbitmq')) {
    const started = Date.now();
    const broker: RabbitmqBroker = await startRabbitmq();
    console.log(`RabbitMQ ready in ${Date.now() - started} ms`);
    project.provide('rabbitmqUrl', broker.url);
    stops.push(() => broker.stop());
  }
  if (backends.includes('kafka')) {
    const started = Date.now();
    const broker = await startKafka();
    console.log(`Kafka ready in ${Date.now() - started} ms`);
    project.provide('kafkaBrokers', broker.brokers);
    stops.push(() => broker.stop());
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
