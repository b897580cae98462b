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
  /**
   * The header prefix of the broker's CloudEvents protocol binding for binary mode (Kafka: `ce_`),
   * if it has one. Without it, CloudEvents travel in structured mode only.
   */
  readonly cloudEventsHeaderPrefix?: string;
  /**
   * The broker stores a message sent again with the same id (`SendOptions.id`) once, within a
   * window (NATS JetStream's duplicate window): the copy never reaches a consumer.
   */
  readonly deduplicatesById?: boolean;
  /**
   * `queue.request` works: a consumer's handler can send its reply to a queue the request names,
   * and the requester can make, consume and delete a reply queue of its own.
   */
  readonly requestReply?: boolean;
  /**
   * The highest `priority` a send may give, when the backend delivers waiting messages by priority
   * (RabbitMQ's `x-max-priority`); absent where it cannot.
   */
  readonly priorities?: { readonly maxPriority: number };
  /** Largest body the transport accepts, in bytes, if it knows one. */
  readonly maxMessageBytes?: number;
  /** What `inspect` can tell on this backend; a figure it cannot know is undefined. Absent: nothing. */
  readonly inspection?: InspectionCapabilities;
}

/** Which figures of `QueueInspection` a transport reports. */
export interface InspectionCapabilities {
  /** `GroupInspection.waiting`. */
  readonly waiting: boolean;
  /** `GroupInspection.inFlight`. */
  readonly inFlight: boolean;
  /** `GroupInspection.consumers`. */
  readonly consumers: boolean;
  /** `QueueInspection.deadLetters`. */
  readonly deadLetters: boolean;
  /** Without `groups`, `inspect` finds the queue's groups itself. */
  readonly listsGroups: boolean;
}

/** What the broker tells about one consumer group of a queue. */
export interface GroupInspection {
  readonly group: string;
  /** Stored for this group and not yet handed to it (Kafka: its lag on the queue's topic). */
  readonly waiting: number | undefined;
  /** Handed to a member and not yet settled. */
  readonly inFlight: number | undefined;
  /** Members consuming now. */
  readonly consumers: number | undefined;
  /** Kafka: per partition of the queue's topic, the committed offset (undefined: none yet), the end and the lag. */
  readonly partitions?: readonly { partition: number; committed: string | undefined; end: string; lag: number }[];
}

/** What the broker tells about a queue: its groups, and the depth of its dead-letter queue. */
export interface QueueInspection {
  readonly queue: string;
  readonly groups: readonly GroupInspection[];
  /** Messages in `<queue>.dlq`. */
  readonly deadLetters: number | undefined;
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
  /** Waiting messages of higher priority go first; only where `capabilities.priorities` is set. */
  readonly priority?: number;
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
  subscribe(queue: string, options: SubscribeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription>;
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
  /** One round trip to the broker (its protocol's ping); rejects when it does not answer. */
  ping?(): Promise<void>;
  /**
   * The figures `capabilities.inspection` declares, for `queue` and `groups` (when empty and the
   * transport `listsGroups`: every group it finds). A group the broker does not know has undefined figures.
   */
  inspect?(queue: string, groups: readonly string[]): Promise<QueueInspection>;
}
