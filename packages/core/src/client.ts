import type { Adapter } from './adapter.js';
import { CloudEvents } from './cloud-events.js';
import { bytesCodec, type Codec, jsonCodec } from './codec.js';
import { type ConfigInput, resolveConfig } from './config.js';
import { type ConsumerOptions, QueueConsumer } from './consumer.js';
import { AnymqError, ClosedError, ConfigError, ConnectionError } from './errors.js';
import { checkHealth, type Health } from './health.js';
import { assertName } from './names.js';
import {
  checkMiddleware,
  handleChain,
  type HandleChain,
  type Middleware,
  sendChain,
  type SendChain,
} from './middleware.js';
import { guardObserver, type Observer } from './observer.js';
import { type ProducerOptions, QueueProducer } from './producer.js';
import { NamedQueue, type Queue, type QueueHost, type QueueOptions, type QueueSettings } from './queue.js';
import { Requester, type RequestOptions } from './requester.js';
import type { Capabilities, QueueInspection, Transport } from './transport.js';

export interface ConnectOptions {
  /** Metrics hooks, called after the fact; for tracing and anything that wraps a send or a handler, use `middleware`. */
  observer?: Observer;
  /** Wraps every send and every delivery's handling, the first outermost (e.g. `@anymq/otel`'s `tracing()`). */
  middleware?: readonly Middleware[];
  /** Where `ANYMQ_URL` and `ANYMQ_*` are read when no config is given. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Adapters to use before any registered or installed one, e.g. a third-party adapter
   * (`@acme/anymq-sqs`): `connect('sqs://…', { adapters: [sqsAdapter] })`.
   */
  adapters?: readonly Adapter[];
}

/** A connection to one backend. Create queues from it; close it once at shutdown. */
export interface Client {
  /** The backend's name, e.g. `memory` or `rabbitmq`. */
  readonly backend: string;
  /** What this backend can do; the contract suite proves each claim. */
  readonly capabilities: Capabilities;
  /** A queue by name, with its codec, schema and CloudEvents settings. Cheap: it opens nothing. */
  queue<T = unknown>(name: string, options?: QueueOptions<T>): Queue<T>;
  /** The broker's product and version where the backend can tell, else undefined. */
  describeBroker(): Promise<string | undefined>;
  /**
   * Deletes a queue and what these groups made for it on the broker, with every message in them
   * (`<queue>.dlq` too). For throwaway queues of tools and tests; close their consumers first.
   */
  deleteQueue(name: string, options?: { groups?: readonly string[] }): Promise<void>;
  /**
   * For readiness probes: one round trip to the broker, bounded by `timeoutMs` (default 5 s). Never
   * throws; a closed client or a broker that does not answer is `ok: false` with the reason.
   */
  health(options?: { timeoutMs?: number }): Promise<Health>;
  /**
   * What the broker tells about a queue: per group, messages waiting, in flight and consumers (Kafka:
   * the lag per partition), and the dead-letter queue's depth. Without `groups`, the groups the
   * backend can find (`capabilities.inspection.listsGroups`). A figure the backend cannot know is undefined.
   */
  inspect(queue: string, options?: { groups?: readonly string[] }): Promise<QueueInspection>;
  /** Closes every consumer (draining handlers), then every producer (flushing sends), then the transport. */
  close(): Promise<void>;
}

/**
 * Connects to the backend that the config names: a config object, a URL (`amqp://…`), nothing (read
 * `ANYMQ_URL`, else in-memory), or a `Transport` instance.
 */
export async function connect(config?: ConfigInput | Transport, options: ConnectOptions = {}): Promise<Client> {
  const middleware = checkMiddleware(options.middleware);
  const transport = isTransport(config) ? config : await transportFor(config, options);
  try {
    await transport.connect();
  } catch (error) {
    if (error instanceof AnymqError) throw error; // the adapter's own words (ACCESS_DENIED, say)
    throw new ConnectionError(
      `could not connect to the ${transport.name} backend: ${String((error as Error)?.message ?? error)}`,
      error,
    );
  }
  return new TransportClient(transport, guardObserver(options.observer), middleware);
}

async function transportFor(input: ConfigInput, options: ConnectOptions): Promise<Transport> {
  const { adapter, config } = await resolveConfig(input, options);
  return adapter.createTransport(config);
}

function isTransport(value: unknown): value is Transport {
  return typeof (value as Transport | undefined)?.subscribe === 'function';
}

class TransportClient implements Client, QueueHost {
  readonly #transport: Transport;
  readonly #observer: Observer | undefined;
  readonly #sendChain: SendChain | undefined;
  readonly #handleChain: HandleChain | undefined;
  readonly #producers = new Set<QueueProducer<unknown>>();
  readonly #consumers = new Set<QueueConsumer<unknown>>();
  /** Requests' producers, one per queue object (its settings), made on its first request. */
  readonly #requestProducers = new WeakMap<QueueSettings<unknown>, QueueProducer<unknown>>();
  #requester: Requester | undefined;
  #closed: Promise<void> | undefined;

  constructor(transport: Transport, observer: Observer | undefined, middleware: readonly Middleware[]) {
    this.#transport = transport;
    this.#observer = observer;
    this.#sendChain = sendChain(middleware);
    this.#handleChain = handleChain(middleware);
  }

  get backend(): string {
    return this.#transport.name;
  }

  get capabilities(): Capabilities {
    return this.#transport.capabilities;
  }

  queue<T = unknown>(name: string, options: QueueOptions<T> = {}): Queue<T> {
    assertName('queue', name);
    this.#assertOpen();
    const { name: backend, capabilities } = this.#transport;
    return new NamedQueue<T>(this, name, {
      codec: options.codec ?? (jsonCodec as Codec<T>),
      schema: options.schema,
      // Checked here, so that a mode the backend cannot carry fails where the queue is declared.
      cloudEvents:
        options.cloudEvents && new CloudEvents(options.cloudEvents, capabilities.cloudEventsHeaderPrefix, backend),
    });
  }

  async describeBroker(): Promise<string | undefined> {
    return this.#transport.describeBroker?.();
  }

  async deleteQueue(name: string, options: { groups?: readonly string[] } = {}): Promise<void> {
    assertName('queue', name);
    this.#assertOpen();
    const groups = options.groups ?? [];
    for (const group of groups) assertName('group', group);
    await this.#transport.deleteQueue?.(name, groups);
  }

  async health(options: { timeoutMs?: number } = {}): Promise<Health> {
    if (this.#closed)
      return { backend: this.backend, ok: false, roundTripMs: undefined, error: 'the client is closed' };
    const timeoutMs = options.timeoutMs ?? 5_000;
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
      throw new ConfigError('health option "timeoutMs" must be a positive number of milliseconds.', {
        field: 'timeoutMs',
      });
    }
    return checkHealth(this.#transport, timeoutMs);
  }

  async inspect(name: string, options: { groups?: readonly string[] } = {}): Promise<QueueInspection> {
    assertName('queue', name);
    this.#assertOpen();
    const groups = options.groups ?? [];
    for (const group of groups) assertName('group', group);
    if (!this.#transport.inspect) {
      const unknown = { waiting: undefined, inFlight: undefined, consumers: undefined };
      return { queue: name, groups: groups.map((group) => ({ group, ...unknown })), deadLetters: undefined };
    }
    try {
      return await this.#transport.inspect(name, groups);
    } catch (error) {
      if (error instanceof AnymqError) throw error;
      throw new ConnectionError(
        `could not inspect queue "${name}" on ${this.backend}: ${String((error as Error)?.message ?? error)}`,
        error,
      );
    }
  }

  producer<T>(queue: string, settings: QueueSettings<T>, options?: ProducerOptions): QueueProducer<T> {
    this.#assertOpen();
    const producer = new QueueProducer<T>(
      { transport: this.#transport, queue, ...settings, observer: this.#observer, middleware: this.#sendChain },
      options,
    );
    this.#producers.add(producer as QueueProducer<unknown>);
    return producer;
  }

  consumer<T>(queue: string, settings: QueueSettings<T>, options: ConsumerOptions): QueueConsumer<T> {
    this.#assertOpen();
    const consumer = new QueueConsumer<T>(
      {
        transport: this.#transport,
        queue,
        ...settings,
        observer: this.#observer,
        middleware: this.#handleChain,
        onClosed: (closed) => this.#consumers.delete(closed as QueueConsumer<unknown>),
      },
      options,
    );
    this.#consumers.add(consumer as QueueConsumer<unknown>);
    return consumer;
  }

  async request<T, R>(queue: string, settings: QueueSettings<T>, body: T, options?: RequestOptions): Promise<R> {
    this.#assertOpen();
    if (!this.#transport.capabilities.requestReply) {
      throw new ConfigError(
        `queue.request needs a backend that carries replies (capabilities.requestReply), and ${this.backend} does not. Fix: use a broker or the in-memory backend.`,
        { field: 'backend' },
      );
    }
    let producer = this.#requestProducers.get(settings as QueueSettings<unknown>) as QueueProducer<T> | undefined;
    if (!producer) {
      producer = this.producer(queue, settings);
      this.#requestProducers.set(settings as QueueSettings<unknown>, producer as QueueProducer<unknown>);
    }
    this.#requester ??= new Requester({
      replyConsumer: (replies, group) =>
        // One attempt: the requester's handler never throws (a bad reply fails its request).
        this.consumer(
          replies,
          { codec: bytesCodec, schema: undefined, cloudEvents: undefined },
          { group, concurrency: 64 },
        ),
      deleteReplyQueue: async (replies, group) => {
        await this.#transport.deleteQueue?.(replies, [group]);
      },
    });
    return this.#requester.request<T, R>(producer, body, options);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      // First: what waits for a reply fails now, and the reply queue goes before the transport.
      await this.#requester?.close().catch(() => undefined);
      await Promise.all([...this.#consumers].map((consumer) => consumer.close()));
      await Promise.all([...this.#producers].map((producer) => producer.close()));
      await this.#transport.close();
    })();
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(`the ${this.backend} client is closed; connect again.`);
  }
}
