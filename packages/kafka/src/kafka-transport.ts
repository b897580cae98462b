import {
  type BackendConfig,
  type Capabilities,
  ClosedError,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Delivery,
  type OutgoingMessage,
  PublishError,
  type SubscribeOptions,
  type Subscription,
  type Transport,
  connectWithin,
} from '@anymq/core';
import { type Admin, CompressionTypes, Kafka, type Message, type Producer, type SASLOptions, logLevel } from 'kafkajs';
import { GroupConsumer, type GroupConsumerHost } from './group-consumer.js';
import { NOT_BEFORE_HEADER, toKafkaMessage } from './kafka-message.js';
import { SendBatcher } from './send-batcher.js';
import { delayTopic, kafkaGroupId, retryTopic } from './topics.js';
import { installConnectionFix } from './connection-fix.js';
import { installRequestQueueFix } from './request-queue-fix.js';

const capabilities: Capabilities = {
  durable: true,
  retainsForIdleGroups: true,
  replay: true,
  ordering: 'key',
  redelivery: true,
  delayedDelivery: true,
  fanOut: true,
  competingConsumers: true,
  deadLetters: true,
  multipleQueues: true,
  countsAbandonedDeliveries: true,
};

installConnectionFix();
installRequestQueueFix();
/** The broker's default message.max.bytes is 1 MiB including the record overhead. */
const defaultMaxMessageBytes = 1_000_000;

/** The Kafka transport. Naming is described in topics.ts; offsets and retries in group-consumer.ts. */
export class KafkaTransport implements Transport, GroupConsumerHost {
  readonly name = 'kafka';
  readonly capabilities: Capabilities;
  readonly kafka: Kafka;
  readonly joinTimeoutMs = 30_000;
  readonly #config: BackendConfig<'kafka'>;
  readonly #admin: Admin;
  #producer: Producer;
  readonly #batcher: SendBatcher;
  readonly #topics = new Map<string, Promise<void>>();
  readonly #consumers = new Set<GroupConsumer>();
  #closed = false;

  constructor(config: BackendConfig<'kafka'>) {
    this.#config = config;
    this.capabilities = { ...capabilities, maxMessageBytes: config.maxMessageBytes ?? defaultMaxMessageBytes };
    this.kafka = new Kafka({
      clientId: config.clientId ?? 'anymq',
      brokers: config.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000 },
      ...(config.ssl === undefined ? {} : { ssl: config.ssl as boolean }),
      ...(config.sasl === undefined ? {} : { sasl: config.sasl as SASLOptions }),
    });
    this.#admin = this.kafka.admin();
    this.#producer = this.#newProducer();
    this.#batcher = new SendBatcher(this.#producer, {
      replaceProducer: async () => {
        const broken = this.#producer;
        this.#producer = this.#newProducer();
        await broken.disconnect().catch(() => undefined);
        await this.#producer.connect();
        return this.#producer;
      },
      maxMessages: 1000,
      // One request stays under the broker's default message.max.bytes (1 MiB) even for one partition.
      maxBytes: 900_000,
      ...(config.compression === 'gzip' ? { compression: CompressionTypes.GZIP } : {}),
    });
  }

  async connect(): Promise<void> {
    try {
      const timeoutMs = this.#config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const connecting = (async () => {
        await this.#admin.connect();
        await this.#producer.connect();
      })();
      await connectWithin(connecting, timeoutMs, `Kafka at ${this.#config.brokers.join(',')}`, () => this.#disconnectClients());
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      await this.#disconnectClients();
      throw new ConnectionError(`could not connect to Kafka at ${this.#config.brokers.join(',')}: ${String((error as Error).message)}. Fix: check that Kafka runs there and that the brokers list (host:port) is right.`, error);
    }
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    const now = [];
    const later = [];
    for (const message of messages) {
      if (message.delayMs > 0) later.push(toKafkaMessage(message, { [NOT_BEFORE_HEADER]: String(Date.now() + message.delayMs) }));
      else now.push(toKafkaMessage(message));
    }
    if (now.length > 0) {
      await this.ensureTopics([queue]);
      await this.produce(queue, now);
    }
    if (later.length > 0) {
      await this.ensureTopics([delayTopic(queue)]);
      await this.produce(delayTopic(queue), later);
    }
  }

  async subscribe(queue: string, options: SubscribeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    this.#assertOpen();
    const consumer = new GroupConsumer(this, queue, options, onDelivery);
    await consumer.start();
    this.#consumers.add(consumer);
    // A closed subscription leaves its group only once its last messages are settled and their
    // offsets committed; until then it stays here, so that close() waits for those commits.
    void consumer.disconnected.then(() => this.#consumers.delete(consumer));
    return { close: () => consumer.close() };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.shutdown()));
    await this.#disconnectClients();
  }

  async produce(topic: string, messages: Message[]): Promise<void> {
    try {
      await this.#batcher.send(topic, messages);
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === 'MESSAGE_TOO_LARGE') {
        throw new PublishError(`Kafka refused a message for "${topic}" as too large (broker message.max.bytes, 1 MiB by default). Fix: send smaller bodies or raise max.message.bytes on the topic.`, error);
      }
      throw new PublishError(`Kafka did not acknowledge messages for "${topic}": ${String((error as Error).message)}`, error);
    }
  }

  ensureTopics(topics: string[]): Promise<void> {
    const missing = topics.filter((topic) => !this.#topics.has(topic));
    if (missing.length > 0) {
      const creating = this.#createTopics(missing);
      for (const topic of missing) {
        this.#topics.set(topic, creating);
        creating.catch(() => this.#topics.delete(topic));
      }
    }
    return Promise.all(topics.map((topic) => this.#topics.get(topic))).then(() => undefined);
  }

  /**
   * Creates topics and waits until every partition has a leader. Topics created at once by many
   * clients race: the broker may answer "does not host this topic-partition" or "leader not
   * available" while its metadata catches up. Such retriable answers are tried again, bounded.
   */
  async #createTopics(topics: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({
            topic,
            numPartitions: this.#config.partitions ?? 4,
            replicationFactor: this.#config.replicationFactor ?? 1,
          })),
        });
        const { topics: described } = await this.#admin.fetchTopicMetadata({ topics });
        if (described.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0))) return;
        throw Object.assign(new Error(`no leader yet for every partition of ${topics.join(', ')}`), { retriable: true });
      } catch (error) {
        if (attempt >= 20 || (error as { retriable?: boolean }).retriable !== true) {
          throw new PublishError(`Kafka could not create the topics ${topics.join(', ')}: ${String((error as Error).message)}. Fix: check that the broker allows topic creation (or create them), and its replication settings.`, error);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * attempt)));
      }
    }
  }

  async startAtEnd(groupId: string, topics: string[]): Promise<void> {
    for (const topic of topics) {
      const [committed] = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed?.partitions.some((p) => p.offset !== '-1')) continue;
      const ends = await this.#admin.fetchTopicOffsets(topic);
      await this.#admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  }

  /** The queue's topic, its delay topic, each group's retry topic, the dead-letter topic, and the groups. */
  async deleteQueue(queue: string, groups: readonly string[]): Promise<void> {
    this.#assertOpen();
    const topics = [queue, delayTopic(queue), `${queue}.dlq`, ...groups.map((group) => retryTopic(queue, group))];
    const existing = new Set(await this.#admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await this.#admin.deleteTopics({ topics: present });
    for (const topic of topics) this.#topics.delete(topic);
    if (groups.length > 0) await this.#admin.deleteGroups(groups.map((group) => kafkaGroupId(queue, group))).catch(() => undefined);
  }

  #newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, { offset: bigint | undefined; metadata: string | null }>> {
    const [committed] = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
    const result = new Map<number, { offset: bigint | undefined; metadata: string | null }>();
    for (const { partition, offset, metadata } of committed?.partitions ?? []) {
      result.set(partition, { offset: offset === '-1' ? undefined : BigInt(offset), metadata });
    }
    return result;
  }

  async #disconnectClients(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the Kafka transport is closed; connect again.');
  }
}
