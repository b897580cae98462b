import {
  type Capabilities,
  ClosedError,
  ConfigError,
  type Delivery,
  type GroupInspection,
  type OutgoingMessage,
  type QueueInspection,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@anymq/core/transport';
import type { ConsumeMessage } from 'amqplib';
import { type IncomingFields, copyOptions, routingKeyFor, toPublishOptions } from './amqp-message.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { Connection } from './connection.js';
import { GroupConsumer, type Requeuer } from './group-consumer.js';
import {
  DEAD_LETTER_SUFFIX,
  delayBucket,
  delayQueueName,
  groupQueueName,
  isDeadLetterQueue,
  retryQueueName,
  ttlQueueExpiry,
} from './topology.js';
import type { RabbitmqConfig } from './config.js';

const capabilities: Capabilities = {
  durable: true,
  retainsForIdleGroups: true,
  replay: false,
  ordering: 'queue',
  redelivery: true,
  delayedDelivery: true,
  fanOut: true,
  competingConsumers: true,
  deadLetters: true,
  multipleQueues: true,
  requestReply: true,
  countsAbandonedDeliveries: true,
  // AMQP's queue.declare tells ready messages and consumers; unacknowledged ones and the list of a
  // queue's group queues need the management plugin's HTTP API.
  inspection: { waiting: true, inFlight: false, consumers: true, deadLetters: true, listsGroups: false },
};
/** RabbitMQ's default max_message_size (3.8 and later). */
const defaultMaxMessageBytes = 128 * 1024 * 1024;

/** The RabbitMQ transport. Topology is described in topology.ts; header names in @anymq/core. */
export class RabbitmqTransport implements Transport, Requeuer {
  readonly name = 'rabbitmq';
  readonly capabilities: Capabilities;
  readonly #config: RabbitmqConfig;
  readonly #connection: Connection;
  readonly #publisher: ConfirmPublisher;
  readonly #subscriptions = new Set<GroupConsumer>();
  #closed = false;

  constructor(config: RabbitmqConfig) {
    this.#config = config;
    if (config.maxPriority !== undefined && config.queueType === 'quorum') {
      throw new ConfigError(
        'rabbitmq option "maxPriority" needs classic queues: quorum queues have no x-max-priority. Fix: leave out maxPriority, or set queueType to classic.',
        { field: 'maxPriority' },
      );
    }
    this.capabilities = {
      ...capabilities,
      maxMessageBytes: config.maxMessageBytes ?? defaultMaxMessageBytes,
      ...(config.maxPriority === undefined ? {} : { priorities: { maxPriority: config.maxPriority } }),
    };
    this.#connection = new Connection(config);
    this.#publisher = new ConfirmPublisher(this.#connection, {
      window: config.publishWindow ?? 1000,
      timeoutMs: config.publishTimeoutMs ?? 30_000,
    });
  }

  connect(): Promise<void> {
    return this.#connection.open();
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    await this.#declareQueue(queue);
    // One confirm channel keeps the order; confirms are awaited together, not one by one.
    await Promise.all(messages.map((message) => this.#publishOne(queue, message)));
  }

  async subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription> {
    this.#assertOpen();
    const groupQueue = groupQueueName(queue, options.group);
    const consumer = new GroupConsumer(this.#connection, queue, groupQueue, options, onDelivery, this, () =>
      this.#declareGroup(queue, groupQueue),
    );
    await consumer.start();
    this.#subscriptions.add(consumer);
    return {
      close: async () => {
        this.#subscriptions.delete(consumer);
        await consumer.close();
      },
    };
  }

  describeBroker(): Promise<string | undefined> {
    return this.#connection.serverVersion();
  }

  /** The groups' queues, the dead-letter queue and the exchange. TTL retry and delay queues expire by themselves. */
  async deleteQueue(queue: string, groups: readonly string[]): Promise<void> {
    this.#assertOpen();
    const deadLetters = `${queue}${DEAD_LETTER_SUFFIX}`;
    await this.#connection.withChannel(async (channel) => {
      for (const group of groups) await channel.deleteQueue(groupQueueName(queue, group));
      await channel.deleteQueue(deadLetters);
      if (!isDeadLetterQueue(queue)) await channel.deleteExchange(queue);
    });
    this.#connection.forget([queue, deadLetters, ...groups.map((group) => groupQueueName(queue, group))]);
  }

  /** Opens and closes a channel: two round trips. */
  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#connection.withChannel(async () => undefined);
  }

  async inspect(queue: string, groups: readonly string[]): Promise<QueueInspection> {
    this.#assertOpen();
    // A missing queue closes the channel (404): each check gets a channel of its own.
    const check = (name: string) =>
      this.#connection
        .withChannel((channel) => channel.checkQueue(name))
        .catch((error: unknown) => {
          if ((error as { code?: number }).code === 404) return undefined; // NOT_FOUND
          throw error;
        });
    const inspected = await Promise.all(
      groups.map(async (group): Promise<GroupInspection> => {
        const found = await check(groupQueueName(queue, group));
        return { group, waiting: found?.messageCount, inFlight: undefined, consumers: found?.consumerCount };
      }),
    );
    // The dead-letter queue is declared on the first dead-lettering: none yet is none there.
    const deadLetters = (await check(`${queue}${DEAD_LETTER_SUFFIX}`))?.messageCount ?? 0;
    return { queue, groups: inspected, deadLetters };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    await this.#publisher.close();
    await this.#connection.close();
  }

  async requeue(
    groupQueue: string,
    message: ConsumeMessage,
    fields: IncomingFields,
    headers: Record<string, string>,
    delayMs: number,
  ): Promise<void> {
    const bucket = delayBucket(delayMs);
    const options = copyOptions(message, fields, headers);
    if (bucket === 0) return this.#publisher.publish('', groupQueue, message.content, options);
    const retryQueue = retryQueueName(groupQueue, bucket);
    await this.#connection.declare(retryQueue, (channel) =>
      channel.assertQueue(retryQueue, {
        durable: true,
        messageTtl: bucket,
        expires: ttlQueueExpiry(bucket),
        deadLetterExchange: '',
        deadLetterRoutingKey: groupQueue,
      }),
    );
    await this.#publisher.publish('', retryQueue, message.content, options);
  }

  /** Puts a copy of `message` on `deadLetterQueue` with `headers` added, confirmed by the broker. */
  async deadLetter(
    deadLetterQueue: string,
    message: ConsumeMessage,
    fields: IncomingFields,
    headers: Record<string, string>,
  ): Promise<void> {
    await this.#declareQueue(deadLetterQueue);
    const target = isDeadLetterQueue(deadLetterQueue)
      ? (['', deadLetterQueue] as const)
      : ([deadLetterQueue, message.fields.routingKey] as const);
    await this.#publisher.publish(target[0], target[1], message.content, copyOptions(message, fields, headers));
  }

  async #publishOne(queue: string, message: OutgoingMessage): Promise<void> {
    const options = toPublishOptions(message);
    const content = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    if (isDeadLetterQueue(queue)) return this.#publisher.publish('', queue, content, options);
    const bucket = delayBucket(message.delayMs);
    if (bucket > 0) {
      const delayQueue = delayQueueName(queue, bucket);
      await this.#connection.declare(delayQueue, (channel) =>
        channel.assertQueue(delayQueue, {
          durable: true,
          messageTtl: bucket,
          expires: ttlQueueExpiry(bucket),
          deadLetterExchange: queue,
        }),
      );
      return this.#publisher.publish('', delayQueue, content, { ...options, headers: { ...options.headers } });
    }
    return this.#publisher.publish(queue, routingKeyFor(message.key), content, {
      ...options,
      mandatory: this.#config.mandatory ?? false,
    });
  }

  /** The exchange of a queue (or the single queue of a dead-letter queue), and its dead-letter queue. */
  #declareQueue(queue: string): Promise<void> {
    if (isDeadLetterQueue(queue)) {
      return this.#connection.declare(queue, (channel) => channel.assertQueue(queue, { durable: true }));
    }
    return this.#connection.declare(queue, async (channel) => {
      await channel.assertExchange(queue, 'topic', { durable: true });
    });
  }

  #declareGroup(queue: string, groupQueue: string): Promise<void> {
    if (isDeadLetterQueue(queue)) return this.#declareQueue(queue);
    return this.#connection.declare(groupQueue, async (channel) => {
      await this.#declareQueue(queue);
      await channel.assertQueue(groupQueue, {
        durable: true,
        arguments: {
          'x-queue-type': this.#config.queueType ?? 'classic',
          ...(this.#config.singleActiveConsumer ? { 'x-single-active-consumer': true } : {}),
          ...(this.#config.maxPriority === undefined ? {} : { 'x-max-priority': this.#config.maxPriority }),
        },
      });
      await channel.bindQueue(groupQueue, queue, '#');
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the RabbitMQ transport is closed; connect again.');
  }
}
