import { ConfigError, redactUrl } from '@anymq/core';
import { getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { type Broker, BrokerError, type BrokerKind, brokerKinds, type StartBrokerOptions } from './broker.js';
import type { ContainerPlan } from './container-plan.js';
import { defaultKafkaImage, kafkaPlan } from './kafka.js';
import { defaultNatsImage, natsPlan } from './nats.js';
import { defaultRabbitmqImage, rabbitmqPlan } from './rabbitmq.js';
import { defaultRedisImage, redisPlan } from './redis.js';
import { waitUntilServing } from './serving.js';

const plans: Record<
  BrokerKind,
  { image: string; plan: (image: string, options: StartBrokerOptions) => Promise<ContainerPlan> }
> = {
  rabbitmq: { image: defaultRabbitmqImage, plan: (image) => rabbitmqPlan(image) },
  kafka: { image: defaultKafkaImage, plan: (image, options) => kafkaPlan(image, options.advertisedPort) },
  nats: { image: defaultNatsImage, plan: (image) => natsPlan(image) },
  redis: { image: defaultRedisImage, plan: (image) => redisPlan(image) },
};

/**
 * Starts a broker in a container with Testcontainers (Docker, or Podman's Docker API), ready for
 * anymq: `const broker = await startBroker('rabbitmq'); connect(broker.url)`. With `url`, uses that
 * running broker instead. A broker that does not start fails with `BrokerError` and its last log lines.
 */
export async function startBroker(backend: BrokerKind, options: StartBrokerOptions = {}): Promise<Broker> {
  if (!(brokerKinds as readonly string[]).includes(backend)) {
    throw new ConfigError(`startBroker: unknown backend "${String(backend)}". Fix: one of ${brokerKinds.join(', ')}.`, {
      field: 'backend',
    });
  }
  if (options.url !== undefined) return runningBroker(backend, options.url);
  const image = options.image ?? plans[backend].image;
  const plan = await plans[backend].plan(image, options);
  const logs: string[] = [];
  let container: StartedTestContainer;
  try {
    container = await plan.container
      .withLogConsumer((stream) =>
        stream.on('data', (chunk: Buffer | string) => {
          // Only the tail is ever shown: a broker that runs for a whole test suite logs a lot.
          logs.push(String(chunk));
          if (logs.length > 400) logs.splice(0, 200);
        }),
      )
      .withStartupTimeout(options.startupTimeoutMs ?? 180_000)
      .start();
  } catch (error) {
    const tail = logs.join('').split('\n').slice(-40).join('\n');
    throw new BrokerError(
      `${backend} container (${image}) did not start: ${String((error as Error)?.message ?? error)}. Fix: check ` +
        'that Docker or Podman runs and DOCKER_HOST points at it, and that the image exists.' +
        (tail.trim() ? `\n--- last log lines ---\n${tail}` : ''),
      { cause: error },
    );
  }
  return containerBroker(backend, container, plan);
}

function containerBroker(backend: BrokerKind, container: StartedTestContainer, plan: ContainerPlan): Broker {
  const { url, hosts } = plan.address(container.getHost());
  const handle = async () => (await getContainerRuntimeClient()).container.getById(container.getId());
  const stop = async () => {
    await container.stop();
  };
  return {
    backend,
    url,
    hosts,
    containerId: container.getId(),
    hostPort: plan.hostPort,
    async restart({ graceSeconds = 10 } = {}) {
      // Not Testcontainers' restart(): it waits for the start-up log line again, which a broker that
      // restarts within the same second (NATS) can print before the "since" it reads from.
      await (await handle()).restart({ t: graceSeconds });
      await waitUntilServing(url, `${backend} to serve again after a restart`, 120_000);
    },
    async freeze(ms) {
      const paused = await handle();
      await paused.pause();
      try {
        // The length of the fault being injected, not a synchronisation.
        await new Promise((resolve) => setTimeout(resolve, ms));
      } finally {
        await paused.unpause();
      }
    },
    async exec(command) {
      const { exitCode, output } = await container.exec([...command]);
      return { exitCode, output };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A broker that runs already: used as it is, and never restarted, frozen or stopped by a test. */
function runningBroker(backend: BrokerKind, url: string): Broker {
  const refuse = (what: string) => () =>
    Promise.reject(
      new BrokerError(
        `cannot ${what} the ${backend} broker at ${redactUrl(url)}: it was given by url, not started by startBroker. Fix: start one without url.`,
      ),
    );
  return {
    backend,
    url,
    hosts: hostsOf(url),
    containerId: undefined,
    hostPort: undefined,
    restart: refuse('restart'),
    freeze: refuse('freeze'),
    exec: refuse('exec in'),
    stop: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
}

/** `host:port` of each node in an anymq URL: `kafka://a:9092,b:9092` is `['a:9092', 'b:9092']`. */
function hostsOf(url: string): string[] {
  const authority = url.replace(/^[a-z][a-z0-9+.-]*:\/\/([^@/]*@)?/i, '').split(/[/?]/)[0] ?? '';
  return authority.split(',').filter(Boolean);
}
