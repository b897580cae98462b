import { randomUUID } from 'node:crypto';
import {
  ClosedError,
  ConnectionError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Delivery,
  type OutgoingMessage,
  PublishError,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@anymq/core/transport';
import { memoryCapabilities } from '@anymq/memory';
import { Dealer } from 'zeromq';
import { Command, type DeliveryMeta, publishFrames, text } from './protocol.js';
import { SendQueue } from './send-queue.js';
import type { ZeromqConfig } from './config.js';

interface ActiveSubscription {
  readonly queue: string;
  readonly options: SubscribeOptions;
  readonly onDelivery: (delivery: Delivery) => void;
}

/**
 * A client of anymq-zmq-proxy over one DEALER socket. Requests carry an id and resolve on the
 * proxy's OK; heartbeats keep the proxy from dropping this client, and a changed proxy epoch (the
 * proxy restarted) re-subscribes everything.
 */
export class ZmqBrokeredTransport implements Transport {
  readonly name = 'zeromq';
  // The proxy keeps queues in a memory transport, so brokered mode guarantees what memory does;
  // and since the queues outlive this client, a message it held when it vanished counts an attempt.
  // No request-reply: the proxy cannot delete a queue yet, so every requester would leave its reply queue there.
  readonly capabilities = { ...memoryCapabilities, countsAbandonedDeliveries: true, requestReply: false };
  readonly #config: ZeromqConfig;
  readonly #dealer: Dealer;
  readonly #out: SendQueue;
  readonly #requests = new Map<
    string,
    { resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  readonly #subscriptions = new Map<string, ActiveSubscription>();
  #heartbeat: NodeJS.Timeout | undefined;
  #pinging: Promise<void> | undefined;
  #receiving: Promise<void> | undefined;
  #session: string | undefined;
  #nextRequest = 0;
  #closed = false;

  constructor(config: ZeromqConfig) {
    this.#config = config;
    const highWaterMark = config.highWaterMark ?? 1000;
    this.#dealer = new Dealer({
      routingId: randomUUID(),
      sendHighWaterMark: highWaterMark,
      receiveHighWaterMark: highWaterMark,
      linger: 0,
    });
    this.#out = new SendQueue(this.#dealer);
  }

  async connect(): Promise<void> {
    this.#dealer.connect(this.#config.address);
    this.#receiving = this.#receive();
    const interval = this.#config.heartbeatIntervalMs ?? 1_000;
    this.#heartbeat = setInterval(() => void this.#out.send([Command.heartbeat]).catch(() => undefined), interval);
    // A first heartbeat answered proves the proxy is there.
    const timeoutMs = this.#config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    await this.#request([Command.heartbeat], timeoutMs, 'connectTimeoutMs').catch((error: unknown) => {
      this.#shutdownSocket();
      throw new ConnectionError(
        `no anymq-zmq-proxy answered at ${this.#config.address}: ${String((error as Error).message).replace(/\.$/, '')}. Fix: start it (npx anymq-zmq-proxy --address ${this.#config.address}).`,
        error,
      );
    });
  }

  async publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    const frames = messages.flatMap(publishFrames);
    await this.#request([Command.publish, queue, ...frames]).catch((error: unknown) => {
      throw error instanceof ConnectionError
        ? error
        : new PublishError(`the proxy refused messages for "${queue}": ${String((error as Error).message)}`, error);
    });
  }

  async subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription> {
    this.#assertOpen();
    const subId = randomUUID();
    this.#subscriptions.set(subId, { queue, options, onDelivery });
    try {
      await this.#subscribeAtProxy(subId);
    } catch (error) {
      this.#subscriptions.delete(subId);
      throw error;
    }
    return {
      close: async () => {
        if (!this.#subscriptions.delete(subId) || this.#closed) return;
        await this.#request([Command.unsubscribe, subId]).catch(() => undefined);
      },
    };
  }

  /** A heartbeat answered by the proxy. Calls at once share one: the proxy's answer names no request. */
  ping(): Promise<void> {
    this.#pinging ??= this.#request([Command.heartbeat], this.#config.requestTimeoutMs ?? 30_000).finally(
      () => (this.#pinging = undefined),
    );
    return this.#pinging;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#shutdownSocket();
    for (const [, request] of this.#requests) {
      clearTimeout(request.timer);
      request.reject(new ClosedError('the ZeroMQ transport closed before the proxy answered.'));
    }
    this.#requests.clear();
    await this.#receiving?.catch(() => undefined);
  }

  #subscribeAtProxy(subId: string): Promise<void> {
    const subscription = this.#subscriptions.get(subId);
    if (!subscription) return Promise.resolve();
    const { queue, options } = subscription;
    return this.#request([Command.subscribe, subId, queue, options.group, String(options.prefetch), options.startFrom]);
  }

  /** Sends a request and resolves on the proxy's OK for it, within `timeoutMs` (named by `option`). */
  #request(
    frames: (string | Buffer)[],
    timeoutMs = this.#config.requestTimeoutMs ?? 30_000,
    option = 'requestTimeoutMs',
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('the ZeroMQ transport is closed; connect again.'));
    const heartbeat = frames[0] === Command.heartbeat;
    const reqId = heartbeat ? 'hb' : String(this.#nextRequest++);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#requests.delete(reqId);
        reject(
          new ConnectionError(
            `anymq-zmq-proxy at ${this.#config.address} did not answer within ${timeoutMs} ms (${option}).`,
          ),
        );
      }, timeoutMs);
      this.#requests.set(reqId, { resolve, reject, timer });
      const [command, ...rest] = frames;
      this.#out.send(heartbeat ? [Command.heartbeat] : [command as string, reqId, ...rest]).catch((error: unknown) => {
        clearTimeout(timer);
        this.#requests.delete(reqId);
        reject(new ConnectionError(`could not send to anymq-zmq-proxy: ${String(error)}`, error));
      });
    });
  }

  async #receive(): Promise<void> {
    try {
      for await (const [command, ...args] of this.#dealer) {
        switch (text(command)) {
          case Command.ok:
            this.#answer(text(args[0]));
            break;
          case Command.error:
            this.#answer(text(args[0]), new Error(text(args[1])));
            break;
          case Command.delivery:
            this.#deliver(
              text(args[0]),
              text(args[1]),
              JSON.parse(text(args[2])) as DeliveryMeta,
              args[3] ?? Buffer.alloc(0),
            );
            break;
          case Command.heartbeat:
            this.#proxyAlive(text(args[0]));
            break;
        }
      }
    } catch (error) {
      if (!this.#dealer.closed) throw error;
    }
  }

  #answer(reqId: string, error?: Error): void {
    const request = this.#requests.get(reqId);
    if (!request) return;
    this.#requests.delete(reqId);
    clearTimeout(request.timer);
    if (error) request.reject(error);
    else request.resolve();
  }

  /**
   * The proxy answers heartbeats with `epoch/session`; a change means it restarted or dropped this
   * client (silent too long), and forgot its subscriptions.
   */
  #proxyAlive(session: string): void {
    this.#answer('hb');
    if (this.#session !== undefined && this.#session !== session) {
      for (const subId of this.#subscriptions.keys()) void this.#subscribeAtProxy(subId).catch(() => undefined);
    }
    this.#session = session;
  }

  #deliver(subId: string, tag: string, meta: DeliveryMeta, body: Buffer): void {
    const subscription = this.#subscriptions.get(subId);
    const settle = (frames: (string | Buffer)[]) => this.#request(frames);
    const delivery: Delivery = {
      id: meta.id,
      key: meta.key,
      headers: meta.headers,
      timestamp: meta.timestamp,
      attempt: meta.attempt,
      abandoned: meta.abandoned,
      body,
      ack: () => settle([Command.ack, tag]),
      release: () => settle([Command.release, tag]),
      retry: (delayMs) => settle([Command.retry, tag, String(delayMs)]),
      deadLetter: (queue, headers) => settle([Command.deadLetter, tag, queue, JSON.stringify(headers)]),
    };
    if (subscription) subscription.onDelivery(delivery);
    else void delivery.release().catch(() => undefined); // arrived after unsubscribe: hand it back
  }

  #shutdownSocket(): void {
    clearInterval(this.#heartbeat);
    if (!this.#dealer.closed) this.#dealer.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the ZeroMQ transport is closed; connect again.');
  }
}
