import {
  type Capabilities,
  ClosedError,
  ConfigError,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Delivery,
  HeaderNames,
  type OutgoingMessage,
  PublishError,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@anymq/core/transport';
import { randomUUID } from 'node:crypto';
import { Pull, Push, Subscriber, XPublisher } from 'zeromq';
import { type DeliveryMeta, publishFrames, readPublishMeta, text } from './protocol.js';
import { SendQueue } from './send-queue.js';
import type { ZeromqConfig } from './config.js';

const atMostOnce = {
  durable: false,
  retainsForIdleGroups: false,
  replay: false,
  ordering: 'queue',
  redelivery: false,
  delayedDelivery: true,
  deadLetters: false,
  countsAbandonedDeliveries: false,
} as const;

const pushPull: Capabilities = { ...atMostOnce, fanOut: false, competingConsumers: true, multipleQueues: false };
const pubSub: Capabilities = { ...atMostOnce, fanOut: true, competingConsumers: false, multipleQueues: true };

type Sender = Push | XPublisher;
type Receiver = Pull | Subscriber;

/**
 * Raw ZeroMQ, no proxy: the fastest path, at-most-once. `push-pull`: PUSH binds, PULL consumers
 * share the messages (one queue per address). `pub-sub`: an XPUB binds, every SUB gets every message
 * of its queue; a SUB's `run()` resolves once the publisher has welcomed its subscription, so
 * nothing sent afterwards is missed. Retries happen in the consumer process only; there is no
 * dead-letter queue and nothing survives a crash.
 */
export class ZmqDirectTransport implements Transport {
  readonly name = 'zeromq';
  readonly capabilities: Capabilities;
  readonly #config: ZeromqConfig;
  readonly #pattern: 'push-pull' | 'pub-sub';
  readonly #receivers = new Set<Receiver>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #sender: { socket: Sender; out: SendQueue } | undefined;
  /** push-pull: the one queue this address carries, once known. */
  #queue: string | undefined;
  #closed = false;

  constructor(config: ZeromqConfig, pattern: 'push-pull' | 'pub-sub') {
    this.#config = config;
    this.#pattern = pattern;
    this.capabilities = pattern === 'push-pull' ? pushPull : pubSub;
  }

  async connect(): Promise<void> {
    if (this.#config.bind ?? true) await this.#openSender();
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    this.#claimQueue(queue);
    const { out } = this.#sender ?? (await this.#openSender());
    for (const message of messages) {
      const frames = [queue, ...publishFrames(message)];
      if (message.delayMs > 0) this.#later(message.delayMs, () => void out.send(frames).catch(() => undefined));
      else
        await out.send(frames).catch((error: unknown) => {
          throw new PublishError(`ZeroMQ could not send to ${this.#config.address}: ${String(error)}`, error);
        });
    }
  }

  async subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription> {
    this.#assertOpen();
    this.#claimQueue(queue);
    const highWaterMark = this.#config.highWaterMark ?? 1000;
    const receiver: Receiver =
      this.#pattern === 'push-pull'
        ? new Pull({ receiveHighWaterMark: highWaterMark, linger: 0 })
        : new Subscriber({ receiveHighWaterMark: highWaterMark, linger: 0 });
    this.#receivers.add(receiver);
    if (receiver instanceof Subscriber) receiver.subscribe(queue);
    // PUSH deals only to peers whose handshake is done: until then this member would receive nothing.
    const connected = receiver instanceof Pull ? this.#handshake(receiver) : undefined;
    // Where this transport bound its own sender (e.g. tcp://127.0.0.1:* picks a port), connect there.
    receiver.connect(this.#sender?.socket.lastEndpoint ?? this.#config.address);
    const loop = new ReceiveLoop(receiver, queue, this.#pattern, options.prefetch, onDelivery, (delayMs, run) =>
      this.#later(delayMs, run),
    );
    const running = loop.run();
    try {
      if (receiver instanceof Subscriber) await this.#welcomed(loop, queue);
      await connected;
    } catch (error) {
      loop.stop();
      receiver.close();
      this.#receivers.delete(receiver);
      throw error;
    }
    return {
      close: async () => {
        loop.stop();
        if (!receiver.closed) receiver.close();
        this.#receivers.delete(receiver);
        await running.catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const receiver of this.#receivers) if (!receiver.closed) receiver.close();
    this.#receivers.clear();
    if (this.#sender && !this.#sender.socket.closed) this.#sender.socket.close();
  }

  async #openSender(): Promise<{ socket: Sender; out: SendQueue }> {
    if (this.#sender) return this.#sender;
    const highWaterMark = this.#config.highWaterMark ?? 1000;
    const socket: Sender =
      this.#pattern === 'push-pull'
        ? new Push({ sendHighWaterMark: highWaterMark, linger: 1000 })
        : new XPublisher({ sendHighWaterMark: highWaterMark, linger: 1000, noDrop: true });
    const out = new SendQueue(socket);
    this.#sender = { socket, out };
    if (this.#config.bind ?? true) {
      try {
        await socket.bind(this.#config.address);
      } catch (error) {
        throw new ConnectionError(
          `ZeroMQ could not bind ${this.#config.address}: ${String(error)}. Fix: another process binds it already; set bind: false on this side.`,
          error,
        );
      }
    } else {
      socket.connect(this.#config.address);
    }
    if (socket instanceof XPublisher) {
      socket.verbosity = 'allSubs';
      void this.#welcomeSubscribers(socket, out);
    }
    return this.#sender;
  }

  /** Answers every new subscription with a one-frame welcome on its topic. */
  async #welcomeSubscribers(socket: XPublisher, out: SendQueue): Promise<void> {
    try {
      for await (const [subscription] of socket) {
        if (subscription && subscription[0] === 1) void out.send([subscription.subarray(1)]).catch(() => undefined);
      }
    } catch {
      // closed
    }
  }

  /** Resolves when the PULL socket has finished its handshake with a PUSH peer; bounded by connectTimeoutMs. */
  #handshake(receiver: Pull): Promise<void> {
    const timeoutMs = this.#config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        receiver.events.off('handshake', done);
        resolve();
      };
      const timer = setTimeout(() => {
        receiver.events.off('handshake', done);
        reject(
          new ConnectionError(
            `the ZeroMQ PULL socket found no PUSH peer at ${this.#config.address} within ${timeoutMs} ms. Fix: start the sending side (it binds) first, or raise connectTimeoutMs.`,
          ),
        );
      }, timeoutMs);
      receiver.events.on('handshake', done);
    });
  }

  /** A SUB may miss what is sent before its subscription reaches the publisher: wait for the welcome. */
  async #welcomed(loop: ReceiveLoop, queue: string): Promise<void> {
    const timeoutMs = this.#config.requestTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ConnectionError(
              `no ZeroMQ publisher welcomed the subscription to "${queue}" at ${this.#config.address} within ${timeoutMs} ms. Fix: start the publishing side (it binds) first.`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([loop.welcomed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #claimQueue(queue: string): void {
    if (this.#pattern !== 'push-pull') return;
    this.#queue ??= queue;
    if (this.#queue !== queue) {
      throw new ConfigError(
        `push-pull mode carries one queue per address: ${this.#config.address} carries "${this.#queue}", not "${queue}". Fix: use another address for "${queue}", or brokered mode.`,
        { field: 'address' },
      );
    }
  }

  #later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    this.#timers.add(timer);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the ZeroMQ transport is closed; connect again.');
  }
}

/**
 * Reads one socket, at most `prefetch` unsettled messages at a time. Acks settle locally; a retry
 * hands the message to this consumer again after its delay.
 */
class ReceiveLoop {
  /** Resolves on the publisher's welcome frame (pub-sub). */
  readonly welcomed: Promise<void>;
  #welcome!: () => void;
  #unsettled = 0;
  #room: (() => void) | undefined;
  #stopped = false;

  constructor(
    private readonly socket: Receiver,
    private readonly queue: string,
    private readonly pattern: 'push-pull' | 'pub-sub',
    private readonly prefetch: number,
    private readonly onDelivery: (delivery: Delivery) => void,
    private readonly later: (delayMs: number, run: () => void) => void,
  ) {
    this.welcomed = new Promise<void>((resolve) => (this.#welcome = resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#room?.();
  }

  async run(): Promise<void> {
    try {
      for await (const [topic, meta, body] of this.socket) {
        if (this.#stopped) break;
        if (this.pattern === 'pub-sub') {
          if (text(topic) !== this.queue) continue; // SUB filters by prefix: "orders" also matches "orders.dlq"
          if (meta === undefined) {
            this.#welcome();
            continue;
          }
        } else if (text(topic) !== this.queue) {
          // One queue per address: a first frame that is not its name is a peer speaking another protocol.
          this.#deliver(
            {
              id: randomUUID(),
              headers: {},
              timestamp: Date.now(),
              attempt: 1,
              invalid: `the first frame is not the queue name "${this.queue}"`,
            },
            body ?? meta ?? topic ?? Buffer.alloc(0),
          );
          continue;
        }
        const parsed = readPublishMeta(meta, body);
        if (typeof parsed === 'string')
          this.#deliver(
            { id: randomUUID(), headers: {}, timestamp: Date.now(), attempt: 1, invalid: parsed },
            body ?? meta ?? Buffer.alloc(0),
          );
        else
          this.#deliver(
            { id: parsed.id, key: parsed.key, headers: parsed.headers, timestamp: parsed.timestamp, attempt: 1 },
            body as Buffer,
          );
        while (this.#unsettled >= this.prefetch && !this.#stopped)
          await new Promise<void>((resolve) => (this.#room = resolve));
      }
    } catch (error) {
      if (!this.socket.closed) throw error;
    }
  }

  #deliver(meta: DeliveryMeta & { invalid?: string }, body: Buffer): void {
    this.#unsettled++;
    let settled = false;
    const settle = (after?: () => void): Promise<void> => {
      if (settled) return Promise.resolve();
      settled = true;
      this.#unsettled--;
      const room = this.#room;
      this.#room = undefined;
      room?.();
      after?.();
      return Promise.resolve();
    };
    const again = (attempt: number) => () => {
      if (!this.#stopped) this.#deliver({ ...meta, attempt }, body);
    };
    this.onDelivery({
      ...meta,
      key: meta.key,
      body,
      ack: () => settle(),
      retry: (delayMs) => settle(() => this.later(delayMs, again(meta.attempt + 1))),
      release: () => settle(again(meta.attempt)),
      deadLetter: (_queue, headers) => {
        void settle();
        const why = `${headers[HeaderNames.errorCode] ?? 'failed'}: ${headers[HeaderNames.error] ?? ''}`;
        return Promise.reject(
          new PublishError(
            `a message on "${this.queue}" was to be dead-lettered (${why}), but ZeroMQ push-pull and pub-sub modes have no dead-letter queue: it was dropped. Fix: use brokered mode to keep failed messages.`,
          ),
        );
      },
    });
  }
}
