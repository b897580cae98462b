/** The brokers `startBroker` can start. */
export const brokerKinds = ['rabbitmq', 'kafka', 'nats', 'redis'] as const;
/** One of `brokerKinds`: the backend whose broker `startBroker` starts. */
export type BrokerKind = (typeof brokerKinds)[number];

/** How `startBroker` starts (or finds) a broker. */
export interface StartBrokerOptions {
  /**
   * A running broker to use instead of starting one, as its anymq URL (`amqp://…`, `kafka://…`,
   * `nats://…`, `redis://…`): CI that provides brokers as services, or a quick local run. Such a
   * broker cannot be restarted, frozen or stopped by the tests. Undefined (an unset environment
   * variable, say) starts a container.
   */
  url?: string;
  /** The container image; default (also when undefined) the broker's official image, see the README. */
  image?: string;
  /** How long the container may take to become ready. Default 180 000 ms. */
  startupTimeoutMs?: number;
  /**
   * Kafka only: the port clients are told to dial (the advertised listener), when something else,
   * such as a TCP proxy a test puts in between, listens there and forwards to `hostPort`.
   */
  advertisedPort?: number;
}

/** A broker for tests: where to connect, and the faults a test can inject into it. */
export interface Broker extends AsyncDisposable {
  readonly backend: BrokerKind;
  /** What to pass to `connect()` or to set as `ANYMQ_URL`. */
  readonly url: string;
  /** `host:port` of each node, for tools that are not anymq (kcat, amqp-tools, nats CLI). */
  readonly hosts: readonly string[];
  /** The container's id, for `docker exec`/`podman exec`; undefined for a broker given by `url`. */
  readonly containerId: string | undefined;
  /** Where the container listens on this host; differs from `hosts` only with Kafka's `advertisedPort`. */
  readonly hostPort: number | undefined;
  /**
   * Stops the broker (SIGTERM, then SIGKILL after `graceSeconds`, default 10; 0 is a crash) and starts
   * it again at the same address; resolves once it serves anymq again (a connect and a health check).
   */
  restart(options?: { graceSeconds?: number }): Promise<void>;
  /** Freezes the broker for `ms`: every process paused, sockets open, nothing answers. Then thaws it. */
  freeze(ms: number): Promise<void>;
  /** Runs a command in the broker's container (`rabbitmqctl …`, `kafka-topics.sh …`). */
  exec(command: readonly string[]): Promise<{ exitCode: number; output: string }>;
  /** Removes the container; nothing for a broker given by `url`. */
  stop(): Promise<void>;
}

/** A broker could not be started, or a test asked a broker given by `url` for what only a container can do. */
export class BrokerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerError';
  }
}
