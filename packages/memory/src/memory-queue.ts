import type { Delivery, GroupInspection } from '@anymq/core/transport';
import { RingBuffer } from './ring-buffer.js';
import type { Timers } from './timers.js';

/** A message as the memory transport stores it: shared by every group, never copied. */
export interface StoredMessage {
  readonly id: string;
  readonly body: Uint8Array;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  /** Where the queue delivers by priority: higher first. */
  readonly priority?: number;
}

interface Pending {
  readonly message: StoredMessage;
  readonly attempt: number;
  readonly abandoned: number;
}

interface Subscriber {
  readonly prefetch: number;
  readonly onDelivery: (delivery: MemoryDelivery) => void;
  unsettled: number;
  closed: boolean;
  /** Holds a message that a vanished subscriber held before: it gets nothing else until that settles. */
  isolating: boolean;
}

/**
 * One queue: a log of messages (a ring buffer) that every group reads with its own cursor. A
 * message leaves the log once every group's cursor has passed it; while no group exists, the log
 * keeps everything, so the first group reads what was sent before it.
 */
export class MemoryQueue {
  readonly #log = new RingBuffer<StoredMessage>();
  /** Sequence number of the log's first message. */
  #firstSeq = 0;
  readonly #groups = new Map<string, MemoryGroup>();
  readonly #spaceWaiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly capacity: number,
    readonly deadLetter: (queue: string, message: StoredMessage) => void,
    readonly timers: Timers,
    /** Set: each group delivers the waiting messages of higher priority first (0 to this). */
    readonly maxPriority?: number,
  ) {}

  get nextSeq(): number {
    return this.#firstSeq + this.#log.length;
  }

  /** Messages in the log: not yet read by every group (all of them while there is no group). */
  get size(): number {
    return this.#log.length;
  }

  /** The group of this name, if it exists. */
  existingGroup(name: string): MemoryGroup | undefined {
    return this.#groups.get(name);
  }

  get groupNames(): string[] {
    return [...this.#groups.keys()];
  }

  hasSpace(): boolean {
    let held = 0; // read from the log into a group's priority order, not handed out yet
    if (this.maxPriority !== undefined) for (const group of this.#groups.values()) held = Math.max(held, group.held);
    return this.#log.length + held < this.capacity;
  }

  /** Resolves once the log is below capacity. */
  waitForSpace(): Promise<void> {
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  append(message: StoredMessage): void {
    this.#log.push(message);
  }

  /** Wakes every group after appends. */
  appended(): void {
    for (const group of this.#groups.values()) group.dispatch();
  }

  messageAt(seq: number): StoredMessage | undefined {
    return this.#log.at(seq - this.#firstSeq);
  }

  group(name: string, startFrom: 'earliest' | 'latest'): MemoryGroup {
    let group = this.#groups.get(name);
    if (!group) {
      group = new MemoryGroup(this, name, startFrom === 'earliest' ? this.#firstSeq : this.nextSeq);
      this.#groups.set(name, group);
      this.trim();
    }
    return group;
  }

  /** Drops messages every group has read, and wakes senders waiting for space. */
  trim(): void {
    if (this.#groups.size === 0) return;
    let lowest = Number.POSITIVE_INFINITY;
    for (const group of this.#groups.values()) lowest = Math.min(lowest, group.cursor);
    while (this.#firstSeq < lowest && this.#log.length > 0) {
      this.#log.shift();
      this.#firstSeq++;
    }
    while (this.#spaceWaiters.length > 0 && this.hasSpace()) this.#spaceWaiters.shift()?.();
  }

  /** Wakes every waiting sender, so that they see the transport closed. */
  wakeAllSenders(): void {
    for (const wake of this.#spaceWaiters.splice(0)) wake();
  }
}

/** One consumer group of a queue: a cursor, the messages to redeliver, and its subscribers. */
export class MemoryGroup {
  /** Sequence number of the next message this group reads from the log. */
  cursor: number;
  readonly #redeliveries = new RingBuffer<Pending>();
  /** On a queue with priorities: what this group read from the log, by priority, not handed out yet. */
  readonly #byPriority: RingBuffer<StoredMessage>[] | undefined;
  #held = 0;
  readonly #subscribers: Subscriber[] = [];
  #nextSubscriber = 0;
  #dispatching = false;
  #again = false;

  constructor(
    readonly queue: MemoryQueue,
    readonly name: string,
    cursor: number,
  ) {
    this.cursor = cursor;
    this.#byPriority =
      queue.maxPriority === undefined
        ? undefined
        : Array.from({ length: queue.maxPriority + 1 }, () => new RingBuffer<StoredMessage>());
  }

  /** Messages this group read from the log into its priority order and has not handed out. */
  get held(): number {
    return this.#held;
  }

  inspect(): GroupInspection {
    let inFlight = 0;
    for (const subscriber of this.#subscribers) inFlight += subscriber.unsettled;
    return {
      group: this.name,
      // Retries waiting for their delay are counted once they are due.
      waiting: this.queue.nextSeq - this.cursor + this.#redeliveries.length + this.#held,
      inFlight,
      consumers: this.#subscribers.length,
    };
  }

  subscribe(prefetch: number, onDelivery: (delivery: MemoryDelivery) => void): () => void {
    const subscriber: Subscriber = { prefetch, onDelivery, unsettled: 0, closed: false, isolating: false };
    this.#subscribers.push(subscriber);
    this.dispatch();
    return () => {
      subscriber.closed = true;
      this.#subscribers.splice(this.#subscribers.indexOf(subscriber), 1);
    };
  }

  /** Hands messages to subscribers with room, round-robin, until messages or room run out. */
  dispatch(): void {
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          // A message abandoned before (its holder vanished, maybe killed by it) goes to a subscriber
          // that holds nothing else, and alone: if it kills that one too, only it is counted.
          const suspect = (this.#redeliveries.at(0)?.abandoned ?? 0) > 0;
          const index = this.#subscriberWithRoom(suspect);
          const subscriber = this.#subscribers[index];
          if (!subscriber) break;
          subscriber.isolating = suspect;
          // Redeliveries first, then the log (read without allocating: this is the hot path).
          const redelivery = this.#redeliveries.shift();
          let message: StoredMessage | undefined;
          let attempt = 1;
          let abandoned = 0;
          if (redelivery) ({ message, attempt, abandoned } = redelivery);
          else if (this.#byPriority) {
            message = this.#highestWaiting(this.#byPriority);
            if (!message) break;
          } else {
            message = this.queue.messageAt(this.cursor);
            if (!message) break;
            this.cursor++;
          }
          // Only a delivery moves the round-robin on, so idle dispatches do not skew the sharing.
          this.#nextSubscriber = (index + 1) % this.#subscribers.length;
          subscriber.unsettled++;
          subscriber.onDelivery(new MemoryDelivery(this, subscriber, message, attempt, abandoned));
        }
      } while (this.#again);
    } finally {
      this.#dispatching = false;
    }
    this.queue.trim();
  }

  /** Reads what the log holds past the cursor into the buckets, then takes the first of the highest. */
  #highestWaiting(buckets: RingBuffer<StoredMessage>[]): StoredMessage | undefined {
    for (let next = this.queue.messageAt(this.cursor); next; next = this.queue.messageAt(this.cursor)) {
      buckets[Math.min(next.priority ?? 0, buckets.length - 1)]?.push(next);
      this.#held++;
      this.cursor++;
    }
    for (let priority = buckets.length - 1; priority >= 0; priority--) {
      const message = buckets[priority]?.shift();
      if (message) {
        this.#held--;
        return message;
      }
    }
    return undefined;
  }

  settle(subscriber: Subscriber): void {
    if (--subscriber.unsettled === 0) subscriber.isolating = false;
    if (!subscriber.closed) this.dispatch();
  }

  redeliver(pending: Pending, delayMs: number): void {
    if (delayMs <= 0) {
      this.#redeliveries.push(pending);
      this.dispatch();
      return;
    }
    this.queue.timers.later(delayMs, () => {
      this.#redeliveries.push(pending);
      this.dispatch();
    });
  }

  handBack(pending: Pending): void {
    this.#redeliveries.unshift(pending);
    this.dispatch();
  }

  /** The index of the next subscriber, round-robin, that has room (for a suspect: holds nothing); -1 when none has. */
  #subscriberWithRoom(suspect: boolean): number {
    const count = this.#subscribers.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#nextSubscriber + i) % count;
      const subscriber = this.#subscribers[index];
      if (!subscriber || subscriber.isolating) continue;
      if (suspect ? subscriber.unsettled === 0 : subscriber.unsettled < subscriber.prefetch) return index;
    }
    return -1;
  }
}

/** A delivery of the memory transport; `abandon` serves stores built on it (the ZeroMQ proxy). */
export class MemoryDelivery implements Delivery {
  readonly #group: MemoryGroup;
  readonly #subscriber: Subscriber;
  readonly #message: StoredMessage;
  readonly attempt: number;
  readonly abandoned: number;
  #settled = false;

  constructor(group: MemoryGroup, subscriber: Subscriber, message: StoredMessage, attempt: number, abandoned: number) {
    this.#group = group;
    this.#subscriber = subscriber;
    this.#message = message;
    this.attempt = attempt;
    this.abandoned = abandoned;
  }

  get id(): string {
    return this.#message.id;
  }
  get body(): Uint8Array {
    return this.#message.body;
  }
  get key(): string | undefined {
    return this.#message.key;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.#message.headers;
  }
  get timestamp(): number {
    return this.#message.timestamp;
  }

  ack(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    this.#group.settle(this.#subscriber);
    return Promise.resolve();
  }

  retry(delayMs: number): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    this.#group.redeliver({ message: this.#message, attempt: this.attempt + 1, abandoned: this.abandoned }, delayMs);
    this.#group.settle(this.#subscriber);
    return Promise.resolve();
  }

  deadLetter(deadLetterQueue: string, headers: Record<string, string>): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    const message = this.#message;
    this.#group.queue.deadLetter(deadLetterQueue, { ...message, headers: { ...message.headers, ...headers } });
    this.#group.settle(this.#subscriber);
    return Promise.resolve();
  }

  /** True if already settled; otherwise marks it settled. A delivery settles once. */
  #isSettled(): boolean {
    if (this.#settled) return true;
    this.#settled = true;
    return false;
  }

  release(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    this.#group.handBack({ message: this.#message, attempt: this.attempt, abandoned: this.abandoned });
    this.#group.settle(this.#subscriber);
    return Promise.resolve();
  }

  /** Its holder vanished without settling it: back to the front of the group, counted as an attempt. */
  abandon(): void {
    if (this.#isSettled()) return;
    this.#group.handBack({ message: this.#message, attempt: this.attempt + 1, abandoned: this.abandoned + 1 });
    this.#group.settle(this.#subscriber);
  }
}
