import {
  AccessDeniedError,
  type Capabilities,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Delivery,
  type GroupInspection,
  type OutgoingMessage,
  PublishError,
  type QueueInspection,
  type SubscribeOptions,
  type Subscription,
  type Transport,
  connectWithin,
} from '@anymq/core/transport';
import { type ChainableCommander, Redis, ReplyError } from 'ioredis';
import type { RedisConfig } from './config.js';
import { packFields, toFields } from './entry.js';
import { GroupReader } from './group-reader.js';
import { QueueKeys } from './keys.js';
import { execAll } from './replies.js';
import { defineScripts } from './scripts.js';

const defaultClaimTimeoutMs = 30_000;
const defaultMaxMessageBytes = 8 * 1024 * 1024;
const defaultPublishTimeoutMs = 30_000;

/**
 * The Redis Streams transport, on ioredis. A queue is a stream, a group is a consumer group on it;
 * keys are described in keys.ts, deliveries in group-reader.ts.
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  readonly #config: RedisConfig;
  readonly #prefix: string;
  readonly #readers = new Set<GroupReader>();
  #redis: Redis | undefined;
  /**
   * Sends go on a connection of their own that does not resend what was in flight when it dropped
   * (ioredis does by default): the server may have stored it already, and a blind resend stores it
   * twice. publish() checks what got stored and sends the rest.
   */
  #publisher: Redis | undefined;
  /**
   * What waits on the send connection. Without resending, ioredis drops what was in flight when the
   * connection closed without settling it (those promises would never end): close fails them here.
   */
  readonly #onSendConnection = new Set<(error: Error) => void>();
  /** Whether the server writes every change to its append-only file before it answers. */
  #persists = false;
  #closed = false;

  constructor(config: RedisConfig) {
    this.#config = config;
    this.#prefix = config.keyPrefix ?? 'anymq';
  }

  get capabilities(): Capabilities {
    return {
      // What the server is set up to keep: an append-only file, or nothing over a restart.
      durable: this.#persists,
      retainsForIdleGroups: true,
      replay: true,
      ordering: 'queue',
      redelivery: true,
      delayedDelivery: true,
      fanOut: true,
      competingConsumers: true,
      deadLetters: true,
      multipleQueues: true,
      requestReply: true,
      // Every settlement leaves the pending list, so Redis's delivery count past 1 is deliveries
      // whose member vanished.
      countsAbandonedDeliveries: true,
      // XINFO GROUPS: each group's lag and pending entries. Its consumer count keeps every member
      // that ever read (they are not deleted on close), so it is not reported.
      inspection: { waiting: true, inFlight: true, consumers: false, deadLetters: true, listsGroups: true },
      maxMessageBytes: this.#config.maxMessageBytes ?? defaultMaxMessageBytes,
    };
  }

  async connect(): Promise<void> {
    const { host = '127.0.0.1', port = 6379, username, password, db, tls } = this.#config;
    const timeoutMs = this.#config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const where = `Redis at ${host}:${port}`;
    const redis = new Redis({
      host,
      port,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(db === undefined ? {} : { db }),
      ...(tls ? { tls: {} } : {}),
      // RESP2: the reply shapes of stream commands are the same on every server version.
      protocol: 2,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // Commands wait through a reconnect instead of failing after 20 tries; sends are bounded by
      // their own deadline.
      maxRetriesPerRequest: null,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(2_000, 100 * times),
    });
    redis.on('error', () => undefined); // reconnects by itself; failures reach the commands
    defineScripts(redis);
    this.#redis = redis;
    const publisher = redis.duplicate({ autoResendUnfulfilledCommands: false });
    publisher.on('error', () => undefined); // as above
    publisher.on('close', () => {
      const dropped = new ConnectionError('the connection to Redis closed with the reply outstanding');
      for (const fail of this.#onSendConnection) fail(dropped);
      this.#onSendConnection.clear();
    });
    defineScripts(publisher);
    this.#publisher = publisher;
    try {
      await connectWithin(redis.connect(), timeoutMs, where, async () => redis.disconnect());
      const persistence = await redis.info('persistence');
      this.#persists = /^aof_enabled:1\s*$/m.test(persistence);
    } catch (error) {
      redis.disconnect();
      this.#redis = undefined;
      if (error instanceof ConnectionError) throw error;
      const message = String((error as Error)?.message ?? error);
      if (/WRONGPASS|NOAUTH|NOPERM/.test(message))
        throw new AccessDeniedError(
          `${where} refused the credentials: ${message}. Fix: check username and password (redis://user:pass@host:6379) and the user's ACL.`,
          error,
        );
      throw new ConnectionError(
        `could not connect to ${where}: ${message}. Fix: check that redis-server (6.2 or later) runs there.`,
        error,
      );
    }
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const publisher = this.#requirePublisher();
    const keys = this.#keys(queue);
    const timeoutMs = this.#config.publishTimeoutMs ?? defaultPublishTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#store(publisher, keys, messages, Date.now() + timeoutMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ConnectionError(
                  `Redis did not store messages for "${queue}" within ${timeoutMs} ms (publishTimeoutMs); it may be down. They may or may not be stored.`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof ConnectionError) throw error;
      throw new PublishError(
        `Redis did not store a message for "${queue}": ${String((error as Error)?.message ?? error)}`,
        error,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends `messages` until each is stored once. When the connection drops with replies outstanding,
   * what the server stored is looked up (the stream's newest entries, the delayed set) and only the
   * rest is sent again, once the connection is back. A refusal by the server is thrown as it is.
   */
  async #store(
    publisher: Redis,
    keys: QueueKeys,
    messages: readonly OutgoingMessage[],
    deadline: number,
  ): Promise<void> {
    let pending = messages;
    let unsure = false; // a connection dropped with replies outstanding: some may be stored
    for (;;) {
      try {
        if (unsure) {
          pending = await this.#notStored(publisher, keys, pending);
          unsure = false;
        }
        if (pending.length > 0) await this.#untilClosed(execAll(this.#pipeline(publisher, keys, pending)));
        return;
      } catch (error) {
        // Past the deadline the caller was told "may or may not be stored": nothing more is sent.
        if (this.#closed || Date.now() >= deadline) throw error;
        if (error instanceof ReplyError) {
          // A server still loading its data after a restart answers LOADING: wait, then try again.
          if (!/^LOADING\b/.test(String((error as Error).message))) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        unsure = true;
      }
    }
  }

  #pipeline(publisher: Redis, keys: QueueKeys, messages: readonly OutgoingMessage[]): ChainableCommander {
    const pipeline = publisher.pipeline();
    const trim = this.#config.maxLength ? ['MAXLEN', '~', this.#config.maxLength] : [];
    for (const message of messages) {
      const fields = toFields(message);
      if (message.delayMs > 0) pipeline.anymqSchedule(keys.delayed, message.delayMs, packFields(message.id, fields));
      else pipeline.xadd(keys.stream, ...trim, '*', ...fields);
    }
    return pipeline;
  }

  /** The messages the server does not hold: not among the stream's newest entries, nor in the delayed set. */
  async #notStored(
    publisher: Redis,
    keys: QueueKeys,
    messages: readonly OutgoingMessage[],
  ): Promise<OutgoingMessage[]> {
    // Waits for the reconnect (the offline queue holds it); other producers may have added since.
    const newest = (await this.#untilClosed(
      publisher.xrevrangeBuffer(keys.stream, '+', '-', 'COUNT', Math.max(1_000, 4 * messages.length)),
    )) as [Buffer, Buffer[]][];
    const stored = new Set(newest.map(([, fields]) => fields[1]?.toString()));
    const missing: OutgoingMessage[] = [];
    for (const message of messages) {
      if (message.delayMs > 0) {
        const member = packFields(message.id, toFields(message));
        if ((await this.#untilClosed(publisher.zscore(keys.delayed, member))) === null) missing.push(message);
      } else if (!stored.has(message.id)) missing.push(message);
    }
    return missing;
  }

  async subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription> {
    const reader = new GroupReader(this.#require(), this.#keys(queue), queue, options, onDelivery, {
      claimTimeoutMs: this.#config.claimTimeoutMs ?? defaultClaimTimeoutMs,
      maxLength: this.#config.maxLength,
      streamOf: (other) => this.#keys(other).stream,
      reportError: () => undefined, // a read that failed is tried again; the connection reconnects by itself
    });
    await reader.start();
    this.#readers.add(reader);
    return {
      close: async () => {
        this.#readers.delete(reader);
        await reader.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#readers].map((reader) => reader.close()));
    await this.#publisher?.quit().catch(() => this.#publisher?.disconnect());
    await this.#redis?.quit().catch(() => this.#redis?.disconnect());
  }

  async describeBroker(): Promise<string | undefined> {
    const server = await this.#require().info('server');
    const version = /^redis_version:(\S+)/m.exec(server)?.[1];
    return version ? `Redis ${version}` : undefined;
  }

  /** Deletes the queue's keys (its stream with every group, retries, delayed sends) and its dead-letter queue's. */
  async ping(): Promise<void> {
    await this.#require().ping();
  }

  /**
   * Per group: `waiting` is its lag on the queue's stream plus the retries due on its own stream,
   * `inFlight` its pending entries on both. Redis cannot compute a lag after entries were deleted
   * out of order; it is then undefined.
   */
  async inspect(queue: string, groups: readonly string[]): Promise<QueueInspection> {
    const redis = this.#require();
    const keys = this.#keys(queue);
    const main = await groupsOn(redis, keys.stream);
    const names = groups.length > 0 ? groups : [...main.keys()];
    const inspected = await Promise.all(
      names.map(async (group): Promise<GroupInspection> => {
        const onQueue = main.get(group);
        if (!onQueue) return { group, waiting: undefined, inFlight: undefined, consumers: undefined };
        const onRetries = (await groupsOn(redis, keys.retries(group))).get(group);
        const lag = onQueue.lag === undefined ? undefined : onQueue.lag + (onRetries?.lag ?? 0);
        return { group, waiting: lag, inFlight: onQueue.pending + (onRetries?.pending ?? 0), consumers: undefined };
      }),
    );
    const deadLetters = await redis.xlen(this.#keys(`${queue}.dlq`).stream);
    return { queue, groups: inspected, deadLetters };
  }

  async deleteQueue(queue: string): Promise<void> {
    const redis = this.#require();
    for (const name of [queue, `${queue}.dlq`]) {
      const { stream } = this.#keys(name);
      const keys: string[] = [stream];
      for (let cursor = '0'; ;) {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${stream}:*`, 'COUNT', 1_000);
        keys.push(...found);
        if ((cursor = next) === '0') break;
      }
      await redis.del(...keys);
    }
  }

  #keys(queue: string): QueueKeys {
    return new QueueKeys(this.#prefix, queue);
  }

  /** `command`, or a ConnectionError if the send connection closes first. */
  #untilClosed<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#onSendConnection.add(reject);
      command.then(
        (value) => {
          this.#onSendConnection.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.#onSendConnection.delete(reject);
          reject(error);
        },
      );
    });
  }

  #requirePublisher(): Redis {
    this.#require();
    return this.#publisher as Redis;
  }

  #require(): Redis {
    if (!this.#redis || this.#closed)
      throw new ConnectionError('the Redis transport is not connected; call connect() first.');
    return this.#redis;
  }
}

/** XINFO GROUPS of a stream, by group name; empty when the stream does not exist. */
async function groupsOn(
  redis: Redis,
  stream: string,
): Promise<Map<string, { pending: number; lag: number | undefined }>> {
  const replies = (await redis.xinfo('GROUPS', stream).catch((error: unknown) => {
    if (/no such key/i.test(String((error as Error)?.message))) return [];
    throw error;
  })) as unknown[][];
  const found = new Map<string, { pending: number; lag: number | undefined }>();
  for (const reply of replies) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
    const lag = fields.get('lag');
    found.set(String(fields.get('name')), {
      pending: Number(fields.get('pending') ?? 0),
      lag: typeof lag === 'number' ? lag : undefined,
    });
  }
  return found;
}
