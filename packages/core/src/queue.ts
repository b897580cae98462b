import type { CloudEvents, CloudEventsOptions } from './cloud-events.js';
import type { Codec } from './codec.js';
import type { QueueConsumer } from './consumer.js';
import { type Consumer, type ConsumerOptions } from './consumer.js';
import type { QueueProducer } from './producer.js';
import { type Producer, type ProducerOptions } from './producer.js';
import type { RequestOptions } from './requester.js';
import type { StandardSchemaV1 } from './schema.js';

/** How a queue writes, checks and wraps its bodies: the same for its producers and consumers. */
export interface QueueOptions<T> {
  /** Validates bodies on send (before anything leaves the process) and on receive. */
  schema?: StandardSchemaV1<unknown, T>;
  /** How bodies become bytes. Default `jsonCodec`. */
  codec?: Codec<T>;
  /**
   * Write every message as a CloudEvent and read CloudEvents (structured, or binary where the
   * transport has a binding) with their attributes on `message.cloudEvent`. Plain messages still arrive.
   */
  cloudEvents?: CloudEventsOptions;
}

/** What a queue's producers and consumers share: how bodies are written, checked and wrapped. */
export interface QueueSettings<T> {
  readonly codec: Codec<T>;
  readonly schema: StandardSchemaV1 | undefined;
  readonly cloudEvents: CloudEvents | undefined;
}

/** A named destination. Cheap to create; holds no connection of its own. */
export interface Queue<T> {
  /** The queue's name, as given. */
  readonly name: string;
  /** A producer of this queue; close it, or the client, when done. */
  producer(options?: ProducerOptions): Producer<T>;
  /** A member of consumer group `options.group`; nothing is received until `run()`. */
  consumer(options: ConsumerOptions): Consumer<T>;
  /**
   * Sends `body` as a request and resolves with the reply: what the handler of a consumer of this
   * queue returned, as JSON (`null` when it returned nothing). Rejects with `RequestTimeoutError`
   * after `timeoutMs` (default 30 s), and with `RequestFailedError` when the request was
   * dead-lettered there (attempts spent, a non-retryable error), with the reason. Needs
   * `capabilities.requestReply`.
   */
  request<R = unknown>(body: T, options?: RequestOptions): Promise<R>;
}

/** What a queue needs from its client: it keeps the client's list of producers and consumers. */
export interface QueueHost {
  producer<T>(queue: string, settings: QueueSettings<T>, options?: ProducerOptions): QueueProducer<T>;
  consumer<T>(queue: string, settings: QueueSettings<T>, options: ConsumerOptions): QueueConsumer<T>;
  request<T, R>(queue: string, settings: QueueSettings<T>, body: T, options?: RequestOptions): Promise<R>;
}

export class NamedQueue<T> implements Queue<T> {
  readonly name: string;
  readonly #host: QueueHost;
  readonly #settings: QueueSettings<T>;

  constructor(host: QueueHost, name: string, settings: QueueSettings<T>) {
    this.#host = host;
    this.name = name;
    this.#settings = settings;
  }

  producer(options?: ProducerOptions): Producer<T> {
    return this.#host.producer(this.name, this.#settings, options);
  }

  consumer(options: ConsumerOptions): Consumer<T> {
    return this.#host.consumer(this.name, this.#settings, options);
  }

  request<R = unknown>(body: T, options?: RequestOptions): Promise<R> {
    return this.#host.request<T, R>(this.name, this.#settings, body, options);
  }
}
