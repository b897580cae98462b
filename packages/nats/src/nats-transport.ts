import {
  type Capabilities,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Delivery,
  type GroupInspection,
  HeaderNames,
  type OutgoingMessage,
  PublishError,
  type QueueInspection,
  type SubscribeOptions,
  type Subscription,
  TopologyError,
  type Transport,
  connectWithin,
} from '@anymq/core/transport';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type NatsConnection, connect, nanos } from '@nats-io/transport-node';
import type { NatsConfig } from './config.js';
import { GroupSubscriber } from './group-subscriber.js';
import { copyHeaders, toNatsHeaders } from './nats-message.js';
import { consumerName, groupOf, returnsSubjectOf, returnsWildcardOf, streamName, subjectOf } from './names.js';

const defaultAckWaitMs = 30_000;
const defaultMaxMessageBytes = 1_000_000;
const defaultPublishTimeoutMs = 30_000;

/** The NATS JetStream transport. Names are described in names.ts; deliveries in group-subscriber.ts. */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  readonly capabilities: Capabilities;
  readonly #config: NatsConfig;
  #connection: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  /** Streams made (or found) on this connection, by queue. */
  readonly #streams = new Map<string, Promise<void>>();
  readonly #subscribers = new Set<GroupSubscriber>();
  #closed = false;

  constructor(config: NatsConfig) {
    this.#config = config;
    this.capabilities = {
      durable: true,
      retainsForIdleGroups: true,
      replay: true,
      ordering: 'queue',
      redelivery: true,
      // JetStream before 2.12 cannot hold a message back until a time: not emulated yet.
      delayedDelivery: false,
      fanOut: true,
      competingConsumers: true,
      deadLetters: true,
      multipleQueues: true,
      requestReply: true,
      // The server counts a crashed member's deliveries into the attempt, but cannot tell them
      // from failed ones: no CONSUMER_CRASHED, no running alone.
      countsAbandonedDeliveries: false,
      // Nats-Msg-Id = the message id: a resend within the stream's duplicate window is stored once.
      deduplicatesById: true,
      // A durable pull consumer per group knows what waits and what is unacknowledged; members are
      // pull requests to the server, not counted.
      inspection: { waiting: true, inFlight: true, consumers: false, deadLetters: true, listsGroups: true },
      maxMessageBytes: config.maxMessageBytes ?? defaultMaxMessageBytes,
    };
  }

  async connect(): Promise<void> {
    const { servers, user, pass, token } = this.#config;
    const timeoutMs = this.#config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const where = `NATS at ${servers.join(',')}`;
    const connecting = connect({
      servers,
      ...(user === undefined ? {} : { user, pass: pass ?? '' }),
      ...(token === undefined ? {} : { token }),
      name: 'anymq',
      timeout: timeoutMs,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    try {
      this.#connection = await connectWithin(connecting, timeoutMs, where, () => connecting.then((nc) => nc.close()));
      this.#js = jetstream(this.#connection);
      this.#jsm = await jetstreamManager(this.#connection);
    } catch (error) {
      await this.#connection?.close().catch(() => undefined);
      if (error instanceof ConnectionError) throw error;
      throw new ConnectionError(
        `could not connect to ${where}: ${String((error as Error)?.message ?? error)}. Fix: check that nats-server runs there with JetStream enabled (-js), and the user, password or token.`,
        error,
      );
    }
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    await this.#stream(queue);
    const js = this.#requireJs();
    const subject = subjectOf(queue);
    // Published in order on one connection; each resolves on the stream's ack.
    const deadline = Date.now() + (this.#config.publishTimeoutMs ?? defaultPublishTimeoutMs);
    const acks = messages.map((message) =>
      this.#untilStored(queue, deadline, () =>
        js.publish(subject, message.body, { msgID: message.id, headers: toNatsHeaders(message) }),
      ),
    );
    const results = await Promise.allSettled(acks);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Publishes until the stream acks or the deadline passes. While the server restarts or JetStream
   * elects a leader, a publish times out or finds no responder; trying again is safe, because the
   * stream stores a message id once within its duplicate window.
   */
  async #untilStored(queue: string, deadline: number, publish: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await publish();
        return;
      } catch (error) {
        // A server that just restarted answers before JetStream is up: nats.js then says "jetstream
        // is not enabled", with the "no responders" underneath.
        const said = `${String((error as Error)?.message)} ${String(((error as Error)?.cause as Error | undefined)?.message)}`;
        const transient =
          /timeout|no responders|jetstream is not enabled|disconnect|reconnect|closed|503/i.test(said) && !this.#closed;
        if (!transient)
          throw new PublishError(
            `NATS did not store a message for "${queue}": ${String((error as Error)?.message ?? error)}`,
            error,
          );
        if (Date.now() >= deadline) {
          throw new ConnectionError(
            `NATS did not store a message for "${queue}" within publishTimeoutMs: ${String((error as Error)?.message ?? error)}. The message may or may not be stored; a resend with the same id is stored once.`,
            error,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  }

  async subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription> {
    await this.#stream(queue);
    const consumer = await this.#groupConsumer(queue, options);
    const subscriber = new GroupSubscriber(
      consumer,
      queue,
      options,
      onDelivery,
      {
        publishCopy: (target, message, copyId, extra) => this.#publishCopy(target, message, copyId, extra),
        handBack: (message, copyId, extra) =>
          this.#publishCopy(queue, message, copyId, extra, returnsSubjectOf(queue, options.group)),
        reportError: () => undefined, // a pull that failed is retried; the connection reconnects by itself
      },
      this.#config.ackWaitMs ?? defaultAckWaitMs,
    );
    this.#subscribers.add(subscriber);
    subscriber.start();
    return {
      close: async () => {
        this.#subscribers.delete(subscriber);
        await subscriber.close();
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#subscribers].map((subscriber) => subscriber.close()));
    await this.#connection?.drain().catch(() => this.#connection?.close());
  }

  async describeBroker(): Promise<string | undefined> {
    const version = this.#connection?.info?.version;
    return version ? `NATS ${version}` : undefined;
  }

  async ping(): Promise<void> {
    if (!this.#connection) throw new ConnectionError('the NATS transport is not connected; call connect() first.');
    await this.#connection.rtt();
  }

  async inspect(queue: string, groups: readonly string[]): Promise<QueueInspection> {
    const jsm = this.#requireJsm();
    const stream = streamName(queue);
    const deadLetters = await jsm.streams.info(streamName(`${queue}.dlq`)).then(
      (info) => info.state.messages,
      (error: unknown) => (isNotFound(error) ? 0 : Promise.reject(error)),
    );
    let names = groups;
    if (names.length === 0) {
      const found: string[] = [];
      try {
        for await (const consumer of jsm.consumers.list(stream)) found.push(groupOf(consumer.name));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      names = found;
    }
    const inspected = await Promise.all(
      names.map(async (group): Promise<GroupInspection> => {
        const info = await jsm.consumers.info(stream, consumerName(group)).catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
        return { group, waiting: info?.num_pending, inFlight: info?.num_ack_pending, consumers: undefined };
      }),
    );
    return { queue, groups: inspected, deadLetters };
  }

  async deleteQueue(queue: string): Promise<void> {
    const jsm = this.#requireJsm();
    for (const name of [queue, `${queue}.dlq`]) {
      await jsm.streams.delete(streamName(name)).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
      this.#streams.delete(name);
    }
  }

  async #publishCopy(
    queue: string,
    message: JsMsg,
    copyId: string,
    extra: Record<string, string>,
    subject = subjectOf(queue),
  ): Promise<void> {
    await this.#stream(queue);
    const headers = copyHeaders(message.headers, extra);
    if (!headers.has(HeaderNames.id))
      headers.set(HeaderNames.id, `${message.info.stream}/${message.info.streamSequence}`);
    await this.#requireJs().publish(subject, message.data, { msgID: copyId, headers });
  }

  /** Makes the queue's stream once per connection: file storage, kept until deleted. */
  #stream(queue: string): Promise<void> {
    let made = this.#streams.get(queue);
    if (!made) {
      made = this.#makeStream(queue);
      this.#streams.set(queue, made);
      made.catch(() => this.#streams.delete(queue));
    }
    return made;
  }

  async #makeStream(queue: string): Promise<void> {
    const jsm = this.#requireJsm();
    const name = streamName(queue);
    const subjects = [subjectOf(queue), returnsWildcardOf(queue)];
    try {
      const { config } = await jsm.streams.info(name);
      // A stream made before hand-backs had subjects of their own gets them.
      if (!config.subjects.includes(returnsWildcardOf(queue)))
        await jsm.streams.update(name, { subjects: [...new Set([...config.subjects, ...subjects])] });
      return;
    } catch (error) {
      if (!isNotFound(error)) throw topologyError(`read stream ${name}`, error);
    }
    try {
      await jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: this.#config.replicas ?? 1,
        duplicate_window: nanos(120_000),
      });
    } catch (error) {
      // Another client made it first: the same stream.
      if (!/already in use|already exists/i.test(String((error as Error)?.message)))
        throw topologyError(`create stream ${name}`, error);
    }
  }

  async #groupConsumer(queue: string, options: SubscribeOptions) {
    const jsm = this.#requireJsm();
    const stream = streamName(queue);
    const name = consumerName(options.group);
    try {
      await jsm.consumers.info(stream, name);
    } catch (error) {
      if (!isNotFound(error)) throw topologyError(`read consumer ${name} of ${stream}`, error);
      try {
        await jsm.consumers.add(stream, {
          durable_name: name,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: options.startFrom === 'latest' ? DeliverPolicy.New : DeliverPolicy.All,
          ack_wait: nanos(this.#config.ackWaitMs ?? defaultAckWaitMs),
          max_ack_pending: -1,
        });
      } catch (added) {
        if (!/already (in use|exists)/i.test(String((added as Error)?.message)))
          throw topologyError(`create consumer ${name} of ${stream}`, added);
      }
    }
    return this.#requireJs().consumers.get(stream, name);
  }

  #requireJs(): JetStreamClient {
    if (!this.#js) throw new ConnectionError('the NATS transport is not connected; call connect() first.');
    return this.#js;
  }

  #requireJsm(): JetStreamManager {
    if (!this.#jsm) throw new ConnectionError('the NATS transport is not connected; call connect() first.');
    return this.#jsm;
  }
}

function isNotFound(error: unknown): boolean {
  return /not found/i.test(String((error as Error)?.message));
}

function topologyError(what: string, error: unknown): TopologyError {
  return new TopologyError(`NATS could not ${what}: ${String((error as Error)?.message ?? error)}`, error);
}
