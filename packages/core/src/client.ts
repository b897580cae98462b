import { loadTransport } from './adapter-loader.js';
import { type Codec, jsonCodec } from './codec.js';
import { type ConfigInput, resolveConfig } from './config.js';
import { type ConsumerOptions, QueueConsumer } from './consumer.js';
import { ClosedError, ConnectionError } from './errors.js';
import { assertName } from './names.js';
import type { Observer } from './observer.js';
import { type ProducerOptions, QueueProducer } from './producer.js';
import { NamedQueue, type Queue, type QueueHost, type QueueOptions } from './queue.js';
import type { StandardSchemaV1 } from './schema.js';
import type { Capabilities, Transport } from './transport.js';

export interface ConnectOptions {
  /** Metrics and tracing hooks. */
  observer?: Observer;
  /** Where `ANYMQ_URL` and `ANYMQ_*` are read when no config is given. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A connection to one backend. Create queues from it; close it once at shutdown. */
export interface Client {
  /** The backend's name, e.g. `memory` or `rabbitmq`. */
  readonly backend: string;
  readonly capabilities: Capabilities;
  queue<T = unknown>(name: string, options?: QueueOptions<T>): Queue<T>;
  /** The broker's product and version where the backend can tell, else undefined. */
  describeBroker(): Promise<string | undefined>;
  /**
   * Deletes a queue and what these groups made for it on the broker, with every message in them
   * (`<queue>.dlq` too). For throwaway queues of tools and tests; close their consumers first.
   */
  deleteQueue(name: string, options?: { groups?: readonly string[] }): Promise<void>;
  /** Closes every consumer (draining handlers), then every producer (flushing sends), then the transport. */
  close(): Promise<void>;
}

/**
 * Connects to the backend that the config names: a config object, a URL (`amqp://…`), nothing (read
 * `ANYMQ_URL`, else in-memory), or a `Transport` instance.
 */
export async function connect(config?: ConfigInput | Transport, options: ConnectOptions = {}): Promise<Client> {
  const transport = isTransport(config) ? config : await loadTransport(resolveConfig(config, options.env));
  try {
    await transport.connect();
  } catch (error) {
    if (error instanceof ConnectionError) throw error;
    throw new ConnectionError(`could not connect to the ${transport.name} backend: ${String((error as Error)?.message ?? error)}`, error);
  }
  return new TransportClient(transport, options.observer);
}

function isTransport(value: unknown): value is Transport {
  return typeof (value as Transport | undefined)?.subscribe === 'function';
}

class TransportClient implements Client, QueueHost {
  readonly #transport: Transport;
  readonly #observer: Observer | undefined;
  readonly #producers = new Set<QueueProducer<unknown>>();
  readonly #consumers = new Set<QueueConsumer<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(transport: Transport, observer: Observer | undefined) {
    this.#transport = transport;
    this.#observer = observer;
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
    return new NamedQueue<T>(this, name, options.codec ?? (jsonCodec as Codec<T>), options.schema);
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

  producer<T>(queue: string, codec: Codec<T>, schema: StandardSchemaV1 | undefined, options?: ProducerOptions): QueueProducer<T> {
    this.#assertOpen();
    const producer = new QueueProducer<T>({ transport: this.#transport, queue, codec, schema, observer: this.#observer }, options);
    this.#producers.add(producer as QueueProducer<unknown>);
    return producer;
  }

  consumer<T>(queue: string, codec: Codec<T>, schema: StandardSchemaV1 | undefined, options: ConsumerOptions): QueueConsumer<T> {
    this.#assertOpen();
    const consumer = new QueueConsumer<T>(
      {
        transport: this.#transport,
        queue,
        codec,
        schema,
        observer: this.#observer,
        onClosed: (closed) => this.#consumers.delete(closed as QueueConsumer<unknown>),
      },
      options,
    );
    this.#consumers.add(consumer as QueueConsumer<unknown>);
    return consumer;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
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
