import type { TestProject } from 'vitest/node';
import { selectedBackends } from './backends.ts';
import { startKafka } from './kafka-broker.ts';
import { startNats } from './nats-broker.ts';
import { type RabbitmqBroker, startRabbitmq } from './rabbitmq-broker.ts';
import { startRedis } from './redis-broker.ts';

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
  if (backends.includes('rabbitmq')) {
    const started = Date.now();
    const broker: RabbitmqBroker = await startRabbitmq();
    console.log(`RabbitMQ ready in ${Date.now() - started} ms`);
    project.provide('rabbitmqUrl', broker.url);
    project.provide('rabbitmqCtl', broker.ctl);
    stops.push(() => broker.stop());
  }
  if (backends.includes('kafka')) {
    const started = Date.now();
    const broker = await startKafka();
    console.log(`Kafka ready in ${Date.now() - started} ms`);
    project.provide('kafkaBrokers', broker.brokers);
    stops.push(() => broker.stop());
  }
  if (backends.includes('nats')) {
    const started = Date.now();
    const broker = await startNats();
    console.log(`NATS ready in ${Date.now() - started} ms`);
    project.provide('natsServers', broker.servers);
    stops.push(() => broker.stop());
  }
  if (backends.includes('redis')) {
    const started = Date.now();
    const broker = await startRedis();
    console.log(`Redis ready in ${Date.now() - started} ms`);
    project.provide('redisUrl', broker.url);
    stops.push(() => broker.stop());
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
