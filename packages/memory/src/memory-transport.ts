import {
  type Capabilities,
  ClosedError,
  type QueueInspection,
  type OutgoingMessage,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@anymq/core/transport';
import { type MemoryDelivery, MemoryQueue, type StoredMessage } from './memory-queue.js';
import { type TimerFunctions, Timers } from './timers.js';

/** Bounds of the in-process backend. */
export interface MemoryTransportOptions {
  /** Most messages one queue holds before `send` waits (backpressure). Default: unbounded. */
  capacity?: number;
  /** Where delayed sends and retry backoff take their time from. Default: the process's timers. */
  timers?: TimerFunctions;
  /** Deliver waiting messages by `priority` (send option), 0 to this. Default: in order sent. */
  maxPriority?: number;
}

/** What the memory transport guarantees (the ZeroMQ proxy, which stores in one, guarantees the same). */
export const memoryCapabilities: Capabilities = {
  durable: false,
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
  // Its queues live and die with the process: no consumer can vanish and leave them behind.
  countsAbandonedDeliveries: false,
};

/** The in-process transport: exact, fast, no I/O and no hidden sleeps. Messages die with the process. */
export class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly capabilities: Capabilities = {
    ...memoryCapabilities,
    inspection: { waiting: true, inFlight: true, consumers: true, deadLetters: true, listsGroups: true },
  };
  readonly #capacity: number;
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #timers: Timers;
  readonly #maxPriority: number | undefined;
  #closed = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.#capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    this.#timers = new Timers(options.timers);
    this.#maxPriority = options.maxPriority;
    if (options.maxPriority !== undefined)
      this.capabilities = { ...this.capabilities, priorities: { maxPriority: options.maxPriority } };
  }

  async connect(): Promise<void> {
    this.#assertOpen();
  }

  async publish(queueName: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    const queue = this.#queue(queueName);
    while (!queue.hasSpace()) {
      await queue.waitForSpace();
      this.#assertOpen();
    }
    let appended = false;
    // Outgoing messages are stored as they are (never copied): core does not touch them after publish.
    for (const message of messages) {
      if (message.delayMs > 0) this.#appendLater(queue, message, message.delayMs);
      else {
        queue.append(message);
        appended = true;
      }
    }
    if (appended) queue.appended();
  }

  async subscribe(
    queueName: string,
    options: SubscribeOptions,
    // Narrower than the SPI's Delivery, for stores built on this transport (the ZeroMQ proxy).
    onDelivery: (delivery: MemoryDelivery) => void,
  ): Promise<Subscription> {
    this.#assertOpen();
    const group = this.#queue(queueName).group(options.group, options.startFrom);
    const unsubscribe = group.subscribe(options.prefetch, onDelivery);
    return {
      close: async () => unsubscribe(),
    };
  }

  async deleteQueue(queue: string): Promise<void> {
    this.#assertOpen();
    this.#queues.delete(queue);
    this.#queues.delete(`${queue}.dlq`);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async inspect(queueName: string, groups: readonly string[]): Promise<QueueInspection> {
    this.#assertOpen();
    const queue = this.#queues.get(queueName);
    const names = groups.length > 0 ? groups : (queue?.groupNames ?? []);
    const unknown = { waiting: undefined, inFlight: undefined, consumers: undefined };
    return {
      queue: queueName,
      groups: names.map((name) => queue?.existingGroup(name)?.inspect() ?? { group: name, ...unknown }),
      deadLetters: this.#queues.get(`${queueName}.dlq`)?.size ?? 0,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timers.cancelAll();
    for (const queue of this.#queues.values()) queue.wakeAllSenders();
  }

  #appendLater(queue: MemoryQueue, message: StoredMessage, delayMs: number): void {
    this.#timers.later(delayMs, () => {
      queue.append(message);
      queue.appended();
    });
  }

  #queue(name: string): MemoryQueue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new MemoryQueue(
        name,
        this.#capacity,
        (target, message) => this.#deadLetter(target, message),
        this.#timers,
        this.#maxPriority,
      );
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Dead letters bypass the capacity bound: an ack must never wait on a full dead-letter queue. */
  #deadLetter(target: string, message: StoredMessage): void {
    const queue = this.#queue(target);
    queue.append(message);
    queue.appended();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('the memory transport is closed; connect again.');
  }
}
