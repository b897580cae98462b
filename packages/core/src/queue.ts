import type { Codec } from './codec.js';
import type { QueueConsumer } from './consumer.js';
import { type Consumer, type ConsumerOptions } from './consumer.js';
import type { QueueProducer } from './producer.js';
import { type Producer, type ProducerOptions } from './producer.js';
import type { StandardSchemaV1 } from './schema.js';

export interface QueueOptions<T> {
  /** Validates bodies on send (before anything leaves the process) and on receive. */
  schema?: StandardSchemaV1<unknown, T>;
  /** How bodies become bytes. Default `jsonCodec`. */
  codec?: Codec<T>;
}

/** A named destination. Cheap to create; holds no connection of its own. */
export interface Queue<T> {
  readonly name: string;
  producer(options?: ProducerOptions): Producer<T>;
  consumer(options: ConsumerOptions): Consumer<T>;
}

/** What a queue needs from its client: it keeps the client's list of producers and consumers. */
export interface QueueHost {
  producer<T>(queue: string, codec: Codec<T>, schema: StandardSchemaV1 | undefined, options?: ProducerOptions): QueueProducer<T>;
  consumer<T>(queue: string, codec: Codec<T>, schema: StandardSchemaV1 | undefined, options: ConsumerOptions): QueueConsumer<T>;
}

export class NamedQueue<T> implements Queue<T> {
  readonly name: string;
  readonly #host: QueueHost;
  readonly #codec: Codec<T>;
  readonly #schema: StandardSchemaV1 | undefined;

  constructor(host: QueueHost, name: string, codec: Codec<T>, schema: StandardSchemaV1 | undefined) {
    this.#host = host;
    this.name = name;
    this.#codec = codec;
    this.#schema = schema;
  }

  producer(options?: ProducerOptions): Producer<T> {
    return this.#host.producer(this.name, this.#codec, this.#schema, options);
  }

  consumer(options: ConsumerOptions): Consumer<T> {
    return this.#host.consumer(this.name, this.#codec, this.#schema, options);
  }
}
