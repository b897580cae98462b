import type { Delivery } from '@anymq/core/transport';
import type { KafkaMessage } from 'kafkajs';
import type { PartitionLedger } from './attempt-ledger.js';
import type { IncomingFields } from './kafka-message.js';
import type { OffsetTracker } from './offset-tracker.js';

/** Where a consumed record came from: its partition and its tracker, its offset and its key lock, if any. */
export interface RecordSlot {
  readonly trackerKey: string;
  readonly tracker: OffsetTracker;
  readonly ledger: PartitionLedger;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly keyLock: string | undefined;
  /** A suspect running alone in the member: nothing else is handed out until it is settled. */
  readonly alone: boolean;
}

/** What a delivery asks of the group member that handed it out. */
export interface DeliveryOwner {
  /** The record is settled: commit past it (unless it was released) and free its slot and key. */
  finished(slot: RecordSlot, commit: boolean): void;
  /** Puts a copy on the group's retry topic, due after `delayMs`, with the attempt count. */
  retryLater(record: KafkaMessage, id: string, attempt: number, delayMs: number): Promise<void>;
  /** Puts a copy on `queue` (the dead-letter topic) with `headers`. */
  deadLetter(queue: string, record: KafkaMessage, id: string, headers: Record<string, string>): Promise<void>;
}

/**
 * One consumed record as core sees it. Settles once; an ack or release settles synchronously (no
 * extra promise chain: this object exists for every message), retry and dead-letter after their
 * produce. A class rather than closures, for the same reason.
 */
export class KafkaDelivery implements Delivery {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  readonly attempt: number;
  readonly abandoned: number;
  readonly ignored: readonly string[] | undefined;
  readonly body: Uint8Array;
  readonly #owner: DeliveryOwner;
  readonly #record: KafkaMessage;
  readonly #slot: RecordSlot;
  #settled = false;

  /** `abandoned`: deliveries of this record that members left unsettled (see attempt-ledger.ts). */
  constructor(owner: DeliveryOwner, record: KafkaMessage, fields: IncomingFields, slot: RecordSlot, abandoned: number) {
    this.#owner = owner;
    this.#record = record;
    this.#slot = slot;
    this.id = fields.id;
    this.key = fields.key;
    this.headers = fields.headers;
    this.timestamp = fields.timestamp;
    this.attempt = fields.attempt + abandoned;
    this.abandoned = abandoned;
    this.ignored = fields.ignored;
    this.body = record.value ?? Buffer.alloc(0);
  }

  ack(): Promise<void> {
    return this.#settle(undefined, true);
  }

  retry(delayMs: number): Promise<void> {
    return this.#settle(() => this.#owner.retryLater(this.#record, this.id, this.attempt, delayMs), true);
  }

  deadLetter(deadLetterQueue: string, headers: Record<string, string>): Promise<void> {
    return this.#settle(() => this.#owner.deadLetter(deadLetterQueue, this.#record, this.id, headers), true);
  }

  /** Not processed: the offset stays uncommitted, so the partition's next owner reads it again. */
  release(): Promise<void> {
    return this.#settle(undefined, false);
  }

  #settle(work: (() => Promise<void>) | undefined, commit: boolean): Promise<void> {
    if (this.#settled) return Promise.resolve();
    this.#settled = true;
    if (!work) {
      this.#owner.finished(this.#slot, commit);
      return Promise.resolve();
    }
    return work().then(
      () => this.#owner.finished(this.#slot, commit),
      (error: unknown) => {
        this.#owner.finished(this.#slot, false);
        throw error;
      },
    );
  }
}
