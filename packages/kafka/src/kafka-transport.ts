import {
  AccessDeniedError,
  type Capabilities,
  ClosedError,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Delivery,
  type GroupInspection,
  type OutgoingMessage,
  PublishError,
  type QueueInspection,
  type SubscribeOptions,
  type Subscription,
  TopologyError,
  type Transport,
  connectWithin,
} from '@anymq/core/transport';
import { type Admin, CompressionTypes, Kafka, type Message, type Producer, type SASLOptions, logLevel } from 'kafkajs';
import { GroupConsumer, type GroupConsumerHost } from './group-consumer.js';
import { NOT_BEFORE_HEADER, toKafkaMessage } from './kafka-message.js';
import { SendBatcher } from './send-batcher.js';
import { stablePartitioner } from './stable-partitioner.js';
import { delayTopic, kafkaGroupId, retryTopic } from './topics.js';
import { installConnectionFix } from './connection-fix.js';
import { installRequestQueueFix } from './request-queue-fix.js';
import type { KafkaConfig } from './config.js';

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
  requestReply: true,
  countsAbandonedDeliveries: true,
  // The CloudEvents Kafka protocol binding: binary mode puts the attributes in `ce_` headers.
  cloudEventsHeaderPrefix: 'ce_',
  // Kafka knows offsets and members, not what a member holds unsettled. A group id is
  // `<queue>.<group>` and both may contain dots, so a queue's groups cannot be told from a list.
  inspection: { waiting: true, inFlight: false, consumers: true, deadLetters: true, listsGroups: false },
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
  readonly #config: KafkaConfig;
  readonly #admin: Admin;
  #producer: Producer;
  readonly #batcher: SendBatcher;
  readonly #topics = new Map<string, Promise<void>>();
  readonly #consumers = new Set<GroupConsumer>();
  #closed = false;

  constructor(config: KafkaConfig) {
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
      await connectWithin(connecting, timeoutMs, `Kafka at ${this.#config.brokers.join(',')}`, () =>
        this.#disconnectClients(),
      );
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      await this.#disconnectClients();
      throw new ConnectionError(
        `could not connect to Kafka at ${this.#config.brokers.join(',')}: ${String((error as Error).message)}. Fix: check that Kafka runs there and that the brokers list (host:port) is right.`,
        error,
      );
    }
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    const now = [];
    const later = [];
    for (const message of messages) {
      if (message.delayMs > 0)
        later.push(toKafkaMessage(message, { [NOT_BEFORE_HEADER]: String(Date.now() + message.delayMs) }));
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

  async subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription> {
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

  /** Sends records to `topic` through the shared batcher; failures become `PublishError`. */
  async produce(topic: string, messages: Message[]): Promise<void> {
    try {
      await this.#batcher.send(topic, messages);
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === 'MESSAGE_TOO_LARGE') {
        throw new PublishError(
          `Kafka refused a message for "${topic}" as too large (broker message.max.bytes, 1 MiB by default). Fix: send smaller bodies or raise max.message.bytes on the topic.`,
          error,
        );
      }
      throw new PublishError(
        `Kafka did not acknowledge messages for "${topic}": ${String((error as Error).message)}`,
        error,
      );
    }
  }

  /** Creates the topics this transport has not yet seen (once each); resolves when they exist. */
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
        if (described.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0)))
          return;
        throw Object.assign(new Error(`no leader yet for every partition of ${topics.join(', ')}`), {
          retriable: true,
        });
      } catch (error) {
        if (attempt >= 20 || (error as { retriable?: boolean }).retriable !== true) {
          const reason = String((error as Error).message);
          if ((error as { type?: string }).type === 'TOPIC_AUTHORIZATION_FAILED' || /authoriz/i.test(reason)) {
            throw new AccessDeniedError(
              `Kafka denied creating the topics ${topics.join(', ')}: ${reason}. Fix: grant the client's principal CREATE on them (kafka-acls --add --operation Create --topic …), or create them beforehand.`,
              error,
            );
          }
          throw new TopologyError(
            `Kafka could not create the topics ${topics.join(', ')}: ${reason}. Fix: check that the broker allows topic creation (or create them), and its replication settings.`,
            error,
          );
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
      await this.#admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
      });
    }
  }

  /** A metadata request. */
  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#admin.describeCluster();
  }

  /**
   * Per group, the lag on the queue's topic (end offset minus committed offset, or minus the first
   * offset kept where the group committed none: where a group starting from `earliest` begins)
   * and its members. Kafka cannot tell a group that never existed from one that left without
   * committing, so on an existing topic every group named has figures.
   */
  async inspect(queue: string, groups: readonly string[]): Promise<QueueInspection> {
    this.#assertOpen();
    const topics = new Set(await this.#admin.listTopics());
    const dlq = `${queue}.dlq`;
    const deadLetters = topics.has(dlq)
      ? (await this.#admin.fetchTopicOffsets(dlq)).reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0)
      : 0;
    if (!topics.has(queue)) {
      const unknown = { waiting: undefined, inFlight: undefined, consumers: undefined };
      return { queue, groups: groups.map((group) => ({ group, ...unknown })), deadLetters };
    }
    const ends = await this.#admin.fetchTopicOffsets(queue);
    const groupIds = groups.map((group) => kafkaGroupId(queue, group));
    const described = groupIds.length > 0 ? (await this.#admin.describeGroups(groupIds)).groups : [];
    const inspected = await Promise.all(
      groups.map(async (group, index): Promise<GroupInspection> => {
        const committed = await this.committedOffsets(groupIds[index] as string, queue);
        const partitions = ends.map(({ partition, high, low }) => {
          const offset = committed.get(partition)?.offset;
          const lag = Number(BigInt(high) - (offset ?? BigInt(low)));
          return { partition, committed: offset?.toString(), end: high, lag: Math.max(0, lag) };
        });
        const members = described.find((g) => g.groupId === groupIds[index])?.members.length ?? 0;
        const waiting = partitions.reduce((sum, p) => sum + p.lag, 0);
        return { group, waiting, inFlight: undefined, consumers: members, partitions };
      }),
    );
    return { queue, groups: inspected, deadLetters };
  }

  /** The queue's topic, its delay topic, each group's retry topic, the dead-letter topic, and the groups. */
  async deleteQueue(queue: string, groups: readonly string[]): Promise<void> {
    this.#assertOpen();
    const topics = [queue, delayTopic(queue), `${queue}.dlq`, ...groups.map((group) => retryTopic(queue, group))];
    const existing = new Set(await this.#admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await this.#admin.deleteTopics({ topics: present });
    for (const topic of topics) this.#topics.delete(topic);
    if (groups.length > 0)
      await this.#admin.deleteGroups(groups.map((group) => kafkaGroupId(queue, group))).catch(() => undefined);
  }

  #newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: stablePartitioner,
    });
  }

  async committedOffsets(
    groupId: string,
    topic: string,
  ): Promise<Map<number, { offset: bigint | undefined; metadata: string | null }>> {
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
