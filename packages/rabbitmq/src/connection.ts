import {
  AccessDeniedError,
  AnymqError,
  ConfigError,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  TopologyError,
  connectWithin,
  redactUrl,
} from '@anymq/core/transport';
import { type Channel, type ConfirmChannel, type RecoveringChannelModel, connect } from 'amqplib';
import { EventEmitter } from 'node:events';
import type { RabbitmqConfig } from './config.js';

/** Declarations, run on a channel of their own: a refused one closes that channel only. */
export type Declare = (channel: Channel) => Promise<unknown>;

/**
 * One AMQP connection that amqplib re-opens with backoff when it drops. Channels do not survive a
 * reconnect, so owners listen for `reconnected` and open new ones; calls made during an outage wait
 * for the next connection.
 */
export class Connection extends EventEmitter<{ reconnected: []; disconnected: [Error] }> {
  readonly #config: RabbitmqConfig;
  #model: RecoveringChannelModel | undefined;
  #topology: Promise<Channel> | undefined;
  /** Names declared on the current connection, so a hot path declares once. */
  readonly #declared = new Map<string, Promise<void>>();

  constructor(config: RabbitmqConfig) {
    super();
    this.#config = config;
  }

  get url(): string {
    return redactUrl(this.#config.url);
  }

  async open(): Promise<void> {
    const timeoutMs = this.#config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const connecting = connect(this.#urlWithHeartbeat(), {
      ...(this.#config.tls ?? {}),
      // Bounds every connection attempt, reconnects too, up to the end of the AMQP handshake: a
      // broker whose port accepts but does not answer (a container starting) would otherwise hold
      // recovery in one attempt forever, and every send would wait for a channel that never comes.
      timeout: timeoutMs,
      clientProperties: { connection_name: 'anymq' },
      recovery: { initialDelay: 100, maxDelay: 5_000, initialMaxRetries: 2 },
    });
    try {
      this.#model = await connectWithin(connecting, timeoutMs, `RabbitMQ at ${this.url}`, () =>
        connecting.then((model) => model.close()),
      );
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      // A refused login says 403; an unknown or forbidden vhost closes the connection instead of opening it.
      if (/\b(403|530)\b|ACCESS.REFUSED|NOT.ALLOWED|got <ConnectionClose/.test(String((error as Error)?.message))) {
        const { user, vhost } = this.#identity();
        throw new AccessDeniedError(
          `RabbitMQ at ${this.url} refused user "${user}" on vhost "${vhost}": ${describe(error)}. Fix: check the password, that vhost "${vhost}" exists, and that the user may use it (rabbitmqctl set_permissions -p "${vhost}" "${user}" ".*" ".*" ".*", or narrower).`,
          error,
        );
      }
      throw new ConnectionError(
        `could not connect to RabbitMQ at ${this.url}: ${describe(error)}. Fix: check that RabbitMQ runs there and that the URL's host, port, vhost, user and password are right.`,
        error,
      );
    }
    // The first 'connect' was emitted before connect() resolved: every one from here is a reconnect.
    this.#model.on('connect', () => {
      this.#declared.clear();
      this.#topology = undefined;
      this.emit('reconnected');
    });
    this.#model.on('disconnect', (error: Error) => this.emit('disconnected', error));
    this.#model.on('error', () => undefined); // followed by 'disconnect', which starts recovery
  }

  channel(): Promise<Channel> {
    return this.#requireModel().createChannel();
  }

  confirmChannel(): Promise<ConfirmChannel> {
    return this.#requireModel().createConfirmChannel();
  }

  /**
   * Runs `declare` once per connection for `name`. A refusal by the broker (a queue that exists
   * with other arguments, say) becomes a ConfigError that says what to change.
   */
  declare(name: string, declare: Declare): Promise<void> {
    let declared = this.#declared.get(name);
    if (!declared) {
      declared = this.#declareOnce(name, declare);
      this.#declared.set(name, declared);
      declared.catch(() => this.#declared.delete(name));
    }
    return declared;
  }

  /** Deleted names: the next use declares them again. */
  forget(names: readonly string[]): void {
    for (const name of names) this.#declared.delete(name);
  }

  /** Runs `work` on a channel of its own, closed afterwards. */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.channel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** The server's product and version, from the connection's handshake. */
  async serverVersion(): Promise<string | undefined> {
    const channel = await this.channel();
    const { product, version } = channel.connection.serverProperties;
    await channel.close().catch(() => undefined);
    return product && version ? `${product} ${version}` : undefined;
  }

  async close(): Promise<void> {
    const topology = await this.#topology?.catch(() => undefined);
    await topology?.close().catch(() => undefined);
    await this.#model?.close();
  }

  async #declareOnce(name: string, declare: Declare): Promise<void> {
    this.#topology ??= this.channel().then((channel) => {
      channel.on('error', () => undefined);
      channel.on('close', () => {
        this.#topology = undefined;
      });
      return channel;
    });
    const channel = await this.#topology;
    try {
      await declare(channel);
    } catch (error) {
      if (error instanceof AnymqError) throw error; // from a declaration it depends on (its exchange)
      const code = (error as { code?: number }).code;
      if (code === 406) {
        throw new ConfigError(
          `RabbitMQ refused to declare "${name}": ${describe(error)}. It exists with other arguments (queue type, TTL, dead-letter settings). Fix: delete it, or set queueType to match how it was created.`,
          { field: 'queueType', cause: error },
        );
      }
      if (code === 403) {
        const { user, vhost } = this.#identity();
        throw new AccessDeniedError(
          `RabbitMQ denied user "${user}" on vhost "${vhost}" access to "${name}": ${describe(error)}. Fix: grant configure, write and read on it (rabbitmqctl set_permissions -p "${vhost}" "${user}" <configure> <write> <read>, each a regex that matches "${name}").`,
          error,
        );
      }
      throw new TopologyError(`RabbitMQ could not declare "${name}": ${describe(error)}`, error);
    }
  }

  /** The user and vhost of the URL, as RabbitMQ sees them (guest and / when absent). */
  #identity(): { user: string; vhost: string } {
    try {
      const url = new URL(this.#config.url);
      const path = url.pathname.replace(/^\//, '');
      return { user: decodeURIComponent(url.username) || 'guest', vhost: path === '' ? '/' : decodeURIComponent(path) };
    } catch {
      return { user: 'guest', vhost: '/' };
    }
  }

  #urlWithHeartbeat(): string {
    const heartbeat = this.#config.heartbeatSeconds;
    if (heartbeat === undefined || /[?&]heartbeat=/.test(this.#config.url)) return this.#config.url;
    return `${this.#config.url}${this.#config.url.includes('?') ? '&' : '?'}heartbeat=${heartbeat}`;
  }

  #requireModel(): RecoveringChannelModel {
    if (!this.#model) throw new ConnectionError('the RabbitMQ transport is not connected; call connect() first.');
    return this.#model;
  }
}

function describe(error: unknown): string {
  return redactUrl(String((error as Error)?.message ?? error));
}
