import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { freePort } from './free-port.ts';
import { freezeContainer } from './freeze-container.ts';
import { retryUntil } from './until.ts';
import { connect } from 'amqplib';

/**
 * A RabbitMQ for tests. From `ANYMQ_RABBITMQ_URL` when set (external mode, e.g. the broker on
 * 127.0.0.1:5672), else a container of `ANYMQ_RABBITMQ_IMAGE` (default: the official image) started
 * by Testcontainers. A failed start throws with the container's last log lines.
 */
export interface RabbitmqBroker {
  readonly url: string;
  /** The command that runs rabbitmqctl on this broker (`podman exec … rabbitmqctl`); empty for an external one. */
  readonly ctl: readonly string[];
  /** Restarts the broker; resolves once it accepts connections again. Containers only. */
  restart(): Promise<void>;
  /** Freezes the broker for `ms` (container paused), then thaws it. Containers only. */
  freeze(ms: number): Promise<void>;
  stop(): Promise<void>;
}

const user = 'anymq';
const password = 'anymq-test';

export async function startRabbitmq(env = process.env): Promise<RabbitmqBroker> {
  if (env.ANYMQ_RABBITMQ_URL) {
    const url = env.ANYMQ_RABBITMQ_URL;
    return {
      url,
      ctl: [],
      restart: () =>
        Promise.reject(new Error('external RabbitMQ (ANYMQ_RABBITMQ_URL) cannot be restarted by the tests')),
      freeze: () => Promise.reject(new Error('external RabbitMQ (ANYMQ_RABBITMQ_URL) cannot be frozen by the tests')),
      stop: async () => undefined,
    };
  }
  const image = env.ANYMQ_RABBITMQ_IMAGE ?? 'rabbitmq:3.13';
  const logs: string[] = [];
  // A fixed host port, so that a restarted container is reachable at the same URL.
  const port = await freePort();
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(image)
      .withEnvironment({
        RABBITMQ_DEFAULT_USER: user,
        RABBITMQ_DEFAULT_PASS: password,
        RABBITMQ_LOGS: '-',
        HOME: '/var/lib/rabbitmq',
      })
      .withExposedPorts({ container: 5672, host: port })
      .withLogConsumer((stream) => stream.on('data', (line: Buffer | string) => logs.push(String(line))))
      .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
      .withStartupTimeout(180_000)
      .start();
  } catch (error) {
    const tail = logs.join('').split('\n').slice(-40).join('\n');
    throw new Error(`RabbitMQ container (${image}) did not start: ${String(error)}\n--- last log lines ---\n${tail}`, {
      cause: error,
    });
  }
  const url = `amqp://${user}:${password}@${container.getHost()}:${port}`;
  return {
    url,
    // Podman's CLI sees the containers its Docker API started (images/start-podman-service.sh).
    ctl: ['podman', 'exec', container.getId(), 'rabbitmqctl'],
    async restart() {
      await container.restart();
      await waitUntilAccepting(url, 120_000);
    },
    freeze: (ms) => freezeContainer(container, ms),
    stop: async () => {
      await container.stop();
    },
  };
}

/** Bounded readiness probe: an AMQP connection succeeds. */
function waitUntilAccepting(url: string, timeoutMs: number): Promise<void> {
  const probe = async () => {
    const connection = await connect(url);
    await connection.close();
  };
  return retryUntil(probe, 'RabbitMQ to accept connections again after a restart', timeoutMs);
}
