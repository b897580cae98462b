import { connect } from '@nats-io/transport-node';
import { execFileSync } from 'node:child_process';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { freePort } from './free-port.ts';
import { retryUntil } from './until.ts';

/**
 * A NATS server with JetStream for tests. From `ANYMQ_NATS_SERVERS` (host:port list) when set
 * (external mode, e.g. the server on 127.0.0.1:4222), else a container of `ANYMQ_NATS_IMAGE`
 * (default: the official image) started by Testcontainers on a fixed host port, so that a
 * restarted container is reachable at the same address.
 */
export interface NatsBroker {
  readonly servers: string[];
  /** Restarts the server; resolves once it accepts connections again. Containers only. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNats(env = process.env): Promise<NatsBroker> {
  if (env.ANYMQ_NATS_SERVERS) {
    return {
      servers: env.ANYMQ_NATS_SERVERS.split(','),
      restart: () => Promise.reject(new Error('external NATS (ANYMQ_NATS_SERVERS) cannot be restarted by the tests')),
      stop: async () => undefined,
    };
  }
  const image = env.ANYMQ_NATS_IMAGE ?? 'nats:2.10';
  const port = await freePort();
  const logs: string[] = [];
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(image)
      .withCommand(image.startsWith('nats:') ? ['-js', '-sd', '/data'] : [])
      .withExposedPorts({ container: 4222, host: port })
      .withLogConsumer((stream) => stream.on('data', (line: Buffer | string) => logs.push(String(line))))
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .withStartupTimeout(120_000)
      .start();
  } catch (error) {
    const tail = logs.join('').split('\n').slice(-40).join('\n');
    throw new Error(`NATS container (${image}) did not start: ${String(error)}\n--- last log lines ---\n${tail}`, {
      cause: error,
    });
  }
  const servers = [`${container.getHost()}:${port}`];
  return {
    servers,
    async restart() {
      // Not container.restart(): it waits for "Server is ready" in the logs since the restart, and a
      // NATS server restarts within the same second, which that filter can miss. Podman's CLI sees the
      // containers its Docker API started (images/start-podman-service.sh).
      execFileSync('podman', ['restart', '--time', '10', container.getId()], { stdio: 'ignore', timeout: 60_000 });
      await retryUntil(
        async () => {
          const connection = await connect({ servers, timeout: 2_000, reconnect: false });
          await connection.close();
        },
        'NATS to accept connections again after a restart',
        60_000,
      );
    },
    stop: async () => {
      await container.stop();
    },
  };
}
