/**
 * The transport SPI: what an adapter implements. Core owns everything else (codecs, schemas,
 * retry decisions, dead-letter headers, idempotency, concurrency, observability), so an adapter
 * only moves bytes and keeps the per-group delivery bookkeeping its broker needs.
 */

/** What a transport guarantees. The contract suite tests exactly what is declared. */
export interface Capabilities {
  /** Messages survive a restart of the broker (or of the process, for in-process transports). */
  readonly durable: boolean;
  /** A group that exists but has no running consumer keeps receiving messages for later. */
  readonly retainsForIdleGroups: boolean;
  /** A new group can read messages sent before it first subscribed (`startFrom: 'earliest'`). */
  readonly replay: boolean;
  /** Delivery order: one FIFO per queue, one per key, or none. */
  readonly ordering: 'queue' | 'key' | 'none';
  /** Failed messages are redelivered (at-least-once). False means at-most-once delivery. */
  readonly redelivery: boolean;
  /** `delayMs` on send is supported. */
  readonly delayedDelivery: boolean;
  /** Every group gets every message. */
  readonly fanOut: boolean;
  /** Members of one group share the messages, each message going to one member. */
  readonly competingConsumers: boolean;
  /** Messages can be moved to a dead-letter queue (`<queue>.dlq`) that is consumed like any queue. */
  readonly deadLetters: boolean;
  /** One transport serves many queues (false: one address carries one queue). */
  readonly multipleQueues: boolean;
  /**
   * A delivery whose consumer went away without settling it (process killed, connection lost)
   * counts as an attempt when it comes back (`Delivery.abandoned`). Needs a queue that outlives the
   * consumer's process.
   */
  readonly countsAbandonedDeliveries: boolean;
  /** Largest body the transport accepts, in bytes, if it knows one. */
  readonly maxMessageBytes?: number;
}

/** A message on its way out, already encoded. */
export interface OutgoingMessage {
  readonly id: string;
  readonly body: Uint8Array;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  /** Deliver no earlier than this many milliseconds from now. */
  readonly delayMs: number;
}

/** A message handed to a subscriber. Exactly one of ack, retry, deadLetter or release ends it. */
export interface Delivery {
  readonly id: string;
  readonly body: Uint8Array;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  /** 1 on the first delivery, 2 on the first redelivery, and so on. Abandoned deliveries count. */
  readonly attempt: number;
  /**
   * How many earlier deliveries of this message ended with their consumer gone before it settled
   * them (a crash, a kill, a lost connection). Included in `attempt`. Absent means none.
   */
  readonly abandoned?: number;
  /**
   * Why its envelope (frames, bookkeeping) could not be read, when it could not: core then
   * dead-letters it with `INVALID_ENVELOPE` and this reason, without running the handler.
   */
  readonly invalid?: string;
  /** Bookkeeping headers read and ignored as implausible (`name=value`); core reports them to `observer.onIgnored`. */
  readonly ignored?: readonly string[];
  /** Done: never deliver this message to this group again. */
  ack(): Promise<void>;
  /** Failed: deliver it again to this group after `delayMs`, with `attempt + 1`. */
  retry(delayMs: number): Promise<void>;
  /** Given up: put it on `deadLetterQueue` with these extra headers, then drop it from this group. */
  deadLetter(deadLetterQueue: string, headers: Record<string, string>): Promise<void>;
  /** Not processed: hand it back to the group at once, without counting an attempt (never abandoned). */
  release(): Promise<void>;
}

export interface SubscribeOptions {
  readonly group: string;
  /** Most unsettled deliveries this subscriber holds at once. Core sets it to `concurrency`. */
  readonly prefetch: number;
  /** Where a group that does not exist yet starts reading. */
  readonly startFrom: 'earliest' | 'latest';
}

export interface Subscription {
  /** Stop intake. Deliveries already handed over must still be settled by the subscriber. */
  close(): Promise<void>;
}

export interface Transport {
  /** The backend's name, e.g. `memory` or `rabbitmq`. */
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Resolves once the transport can publish and subscribe. Called once by `connect`. */
  connect(): Promise<void>;
  /** Resolves once every message is stored as durably as the transport allows, in order. */
  publish(queue: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Calls `onDelivery` for each message, with at most `prefetch` unsettled at once. */
  subscribe(
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ): Promise<Subscription>;
  /** Release every resource. Called once, after every subscription is closed. */
  close(): Promise<void>;
  /** The broker's product and version, where the protocol reports them (e.g. `RabbitMQ 3.13.7`). */
  describeBroker?(): Promise<string | undefined>;
  /**
   * Deletes what `queue` and these consumer groups made on the broker (its exchange or topics, the
   * groups' queues or offsets, the dead-letter queue), with the messages in them. For tools and
   * tests that make throwaway queues; a transport that keeps nothing on a broker leaves it out.
   */
  deleteQueue?(queue: string, groups: readonly string[]): Promise<void>;
}

/** What an adapter package exports so that `connect({ backend })` can load it by name. */
export interface AdapterModule<C = unknown> {
  createTransport(config: C): Transport;
}
