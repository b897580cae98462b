import { randomUUID } from 'node:crypto';
import type { Delivery, OutgoingMessage, Subscription } from '@anymq/core/transport';
import { type MemoryDelivery, MemoryTransport } from '@anymq/memory';
import { Router } from 'zeromq';
import { Command, type DeliveryMeta, type PublishMeta, text } from './protocol.js';
import { SendQueue } from './send-queue.js';

/** Where the proxy listens, how it drops silent clients, and how much it holds. */
export interface ProxyOptions {
  /** Where to bind: `tcp://127.0.0.1:5555`, `tcp://*:5555` or `ipc:///run/anymq.sock`. */
  address: string;
  /** A client silent this long is dropped and its unacknowledged messages go back. Default 3 s. */
  heartbeatTimeoutMs?: number;
  /** Most messages one queue holds before PUB waits (backpressure). Default: unbounded. */
  capacity?: number;
  /** Socket high-water mark, in messages. Default 10 000. */
  highWaterMark?: number;
}

interface Client {
  readonly identity: Buffer;
  /** New each time the proxy (re)creates its record of a client, e.g. after dropping it. */
  readonly session: string;
  lastSeen: number;
  readonly subscriptions: Map<string, Subscription>;
  readonly deliveries: Map<string, MemoryDelivery>;
}

/**
 * anymq-zmq-proxy: a small broker in the spirit of the ZeroMQ guide's reliable patterns. Clients
 * talk to one ROUTER socket; queues, groups, retries with delay and dead letters are kept by an
 * embedded memory transport, so behaviour matches the in-process transport exactly. Nothing
 * survives a restart of the proxy (capabilities say `durable: false`).
 */
export class ZmqProxy {
  readonly epoch = randomUUID();
  readonly #options: ProxyOptions;
  readonly #store: MemoryTransport;
  readonly #router: Router;
  readonly #out: SendQueue;
  readonly #clients = new Map<string, Client>();
  #sweeper: NodeJS.Timeout | undefined;
  #receiving: Promise<void> | undefined;
  #nextTag = 0;

  constructor(options: ProxyOptions) {
    this.#options = options;
    this.#store = new MemoryTransport(options.capacity === undefined ? {} : { capacity: options.capacity });
    const highWaterMark = options.highWaterMark ?? 10_000;
    // mandatory: a delivery to a client that is gone fails at once and goes back to its group.
    this.#router = new Router({
      sendHighWaterMark: highWaterMark,
      receiveHighWaterMark: highWaterMark,
      linger: 0,
      mandatory: true,
    });
    this.#out = new SendQueue(this.#router);
  }

  /** Binds `address` and starts serving; rejects when the address cannot be bound. */
  async start(): Promise<void> {
    await this.#store.connect();
    await this.#router.bind(this.#options.address);
    this.#receiving = this.#receive();
    const timeout = this.#options.heartbeatTimeoutMs ?? 3_000;
    this.#sweeper = setInterval(() => this.#dropSilentClients(timeout), Math.max(50, timeout / 4));
  }

  /** The bound endpoint (useful with `tcp://127.0.0.1:*`). */
  get endpoint(): string {
    return this.#router.lastEndpoint ?? this.#options.address;
  }

  /** Drops every client and unbinds; what it held is gone with it (it keeps messages in memory only). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const client of [...this.#clients.values()]) await this.#drop(client);
    this.#router.close();
    await this.#receiving?.catch(() => undefined);
    await this.#store.close();
  }

  async #receive(): Promise<void> {
    try {
      for await (const [identity, command, ...args] of this.#router) {
        if (!identity || !command) continue;
        const client = this.#client(identity);
        client.lastSeen = Date.now();
        void this.#handle(client, text(command), args);
      }
    } catch (error) {
      if (!this.#router.closed) throw error;
    }
  }

  async #handle(client: Client, command: string, args: Buffer[]): Promise<void> {
    let reply: string[];
    if (command === Command.heartbeat) {
      reply = [Command.heartbeat, `${this.epoch}/${client.session}`];
    } else {
      const reqId = text(args[0]);
      try {
        await this.#execute(client, command, args.slice(1));
        reply = [Command.ok, reqId];
      } catch (error) {
        reply = [Command.error, reqId, String((error as Error)?.message ?? error)];
      }
    }
    // A client that left before its answer (EHOSTUNREACH) is dropped by the heartbeat sweep.
    await this.#send(client, reply).catch(() => undefined);
  }

  async #execute(client: Client, command: string, args: Buffer[]): Promise<void> {
    switch (command) {
      case Command.publish: {
        const queue = text(args[0]);
        const messages: OutgoingMessage[] = [];
        for (let i = 1; i + 1 < args.length; i += 2) {
          const meta = JSON.parse(text(args[i])) as PublishMeta;
          messages.push({ ...meta, key: meta.key, body: args[i + 1] as Buffer });
        }
        return this.#store.publish(queue, messages);
      }
      case Command.subscribe: {
        const [subId, queue, group, prefetch, startFrom] = args.map(text) as [string, string, string, string, string];
        const subscription = await this.#store.subscribe(
          queue,
          { group, prefetch: Number(prefetch), startFrom: startFrom === 'latest' ? 'latest' : 'earliest' },
          (delivery) => this.#deliver(client, subId, delivery),
        );
        client.subscriptions.get(subId)?.close();
        client.subscriptions.set(subId, subscription);
        return;
      }
      case Command.unsubscribe: {
        const subId = text(args[0]);
        await client.subscriptions.get(subId)?.close();
        client.subscriptions.delete(subId);
        return;
      }
      case Command.ack:
        return this.#settle(client, text(args[0]), (d) => d.ack());
      case Command.release:
        return this.#settle(client, text(args[0]), (d) => d.release());
      case Command.retry:
        return this.#settle(client, text(args[0]), (d) => d.retry(Number(text(args[1]))));
      case Command.deadLetter:
        return this.#settle(client, text(args[0]), (d) =>
          d.deadLetter(text(args[1]), JSON.parse(text(args[2])) as Record<string, string>),
        );
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  #deliver(client: Client, subId: string, delivery: MemoryDelivery): void {
    const tag = String(this.#nextTag++);
    client.deliveries.set(tag, delivery);
    const meta: DeliveryMeta = {
      id: delivery.id,
      headers: { ...delivery.headers },
      timestamp: delivery.timestamp,
      attempt: delivery.attempt,
    };
    if (delivery.abandoned > 0) meta.abandoned = delivery.abandoned;
    if (delivery.key !== undefined) meta.key = delivery.key;
    void this.#send(client, [Command.delivery, subId, tag, JSON.stringify(meta), Buffer.from(delivery.body)]).catch(
      () => {
        // The client is gone: the message goes back to its group at once.
        client.deliveries.delete(tag);
        void delivery.release();
      },
    );
  }

  async #settle(client: Client, tag: string, outcome: (delivery: Delivery) => Promise<void>): Promise<void> {
    const delivery = client.deliveries.get(tag);
    if (!delivery)
      throw new Error(
        `no unacknowledged message ${tag} for this client (already settled, or redelivered after a timeout)`,
      );
    client.deliveries.delete(tag);
    await outcome(delivery);
  }

  #client(identity: Buffer): Client {
    const key = identity.toString('hex');
    let client = this.#clients.get(key);
    if (!client) {
      client = {
        identity,
        session: randomUUID(),
        lastSeen: Date.now(),
        subscriptions: new Map(),
        deliveries: new Map(),
      };
      this.#clients.set(key, client);
    }
    return client;
  }

  #send(client: Client, frames: (Buffer | string)[]): Promise<void> {
    return this.#out.send([client.identity, ...frames]);
  }

  #dropSilentClients(timeoutMs: number): void {
    const now = Date.now();
    for (const client of this.#clients.values()) {
      if (now - client.lastSeen > timeoutMs) void this.#drop(client);
    }
  }

  /**
   * Ends a client's subscriptions and hands every message it held back to its group, counting an
   * abandoned attempt: the client may have died running it, and a message that kills every client
   * it reaches must reach the dead-letter queue instead of going round for ever.
   */
  async #drop(client: Client): Promise<void> {
    this.#clients.delete(client.identity.toString('hex'));
    await Promise.all([...client.subscriptions.values()].map((subscription) => subscription.close()));
    client.subscriptions.clear();
    const held = [...client.deliveries.values()];
    client.deliveries.clear();
    for (const delivery of held) delivery.abandon();
  }
}
