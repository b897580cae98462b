import { HeaderNames, type Delivery, type SubscribeOptions, type Subscription } from '@anymq/core/transport';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { PartitionLedger } from './attempt-ledger.js';
import { type DeliveryOwner, KafkaDelivery, type RecordSlot } from './kafka-delivery.js';
import { type IncomingFields, NOT_BEFORE_HEADER, copyOf, fromKafkaMessage } from './kafka-message.js';
import { OffsetTracker } from './offset-tracker.js';
import { delayTopic, kafkaGroupId, retryTopic } from './topics.js';

/** What a group consumer needs from its transport. */
export interface GroupConsumerHost {
  readonly kafka: Kafka;
  ensureTopics(topics: string[]): Promise<void>;
  produce(topic: string, messages: ReturnType<typeof copyOf>[]): Promise<void>;
  /** For startFrom 'latest': point a group that has no offsets yet at the end of these topics. */
  startAtEnd(groupId: string, topics: string[]): Promise<void>;
  /** The group's committed offset (undefined where none) and its metadata, per partition of `topic`. */
  committedOffsets(
    groupId: string,
    topic: string,
  ): Promise<Map<number, { offset: bigint | undefined; metadata: string | null }>>;
  readonly joinTimeoutMs: number;
}

/** Longest wait for the ledger's commit before a record runs anyway. */
const COMMIT_WAIT_MS = 5_000;

/** A partition to commit in the next round; what it commits is read from its ledger then, once. */
interface PendingCommit {
  readonly topic: string;
  readonly partition: number;
  readonly ledger: PartitionLedger;
  /** Leaving with nothing of it in a handler's hands. */
  readonly clean: boolean;
}

/** A promise with its settle functions, for the waiters of one commit round. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a round nobody awaits may fail quietly: the next one carries its offsets
  return { promise, resolve, reject };
}

/**
 * One member of a group: a kafkajs consumer of the queue's topic, its delay topic and the group's
 * retry topic. At most `prefetch` messages are unsettled at once, across partitions; within a
 * partition, messages with one key run one after another. An offset is committed once it and all
 * before it in its partition are settled. A message from a retry or delay topic that is not due yet
 * pauses its partition until it is, then is read again. Every commit carries the partition's attempt
 * ledger (attempt-ledger.ts), so that a member that dies holding messages is counted against them.
 * A commit that fails is tried again: a dropped commit would come back as a batch of duplicates.
 */
export class GroupConsumer implements Subscription, DeliveryOwner {
  readonly #host: GroupConsumerHost;
  readonly #queue: string;
  readonly #options: SubscribeOptions;
  readonly #onDelivery: (delivery: Delivery) => void;
  readonly #groupId: string;
  readonly #consumer: Consumer;
  readonly #trackers = new Map<string, OffsetTracker>();
  /** Per partition and key, the settlement of the message of that key in flight. */
  readonly #keys = new Map<string, { readonly settled: Promise<void>; readonly release: () => void }>();
  readonly #commits = new Map<string, PendingCommit>();
  /** The waiters of the commit round that will carry what is scheduled now. */
  #nextRound: ReturnType<typeof deferred> | undefined;
  /** Per partition, its attempt ledger in this generation; per topic, the committed offsets read at join. */
  readonly #ledgers = new Map<string, PartitionLedger>();
  /** Ledgers of earlier generations, kept while the broker still has what they committed. */
  readonly #earlier = new Map<string, PartitionLedger>();
  /** Written into this member's ledger records, to know them again after a rejoin. */
  readonly #owner = randomBytes(6).toString('hex');
  readonly #committed = new Map<string, ReturnType<GroupConsumerHost['committedOffsets']>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #committing: Promise<void> | undefined;
  #unsettled = 0;
  /**
   * Records handed to core and not yet settled: fewer than `#unsettled`, which also counts the slots
   * of partition loops still waiting (for a ledger commit, say), which never deliver once stopped.
   */
  #inHands = 0;
  /** Partition loops waiting for room under `prefetch`, in order; a settled message wakes one. */
  readonly #roomWaiters: (() => void)[] = [];
  /** Waiting for no message to be in a handler's hands. */
  readonly #idle: (() => void)[] = [];
  /** A suspect being run alone (see attempt-ledger.ts): the others wait until it has ended. */
  #alone: { readonly ended: Promise<void>; readonly end: () => void } | undefined;
  #stopped = false;
  #disconnected: Promise<void> | undefined;
  #markLeft!: () => void;
  readonly #left = new Promise<void>((resolve) => (this.#markLeft = resolve));

  constructor(
    host: GroupConsumerHost,
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
  ) {
    this.#host = host;
    this.#queue = queue;
    this.#options = options;
    this.#onDelivery = onDelivery;
    this.#groupId = kafkaGroupId(queue, options.group);
    this.#consumer = host.kafka.consumer({
      groupId: this.#groupId,
      heartbeatInterval: 500,
      sessionTimeout: 10_000,
      rebalanceTimeout: 20_000,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
  }

  async start(): Promise<void> {
    const topics = [this.#queue, delayTopic(this.#queue), retryTopic(this.#queue, this.#options.group)];
    await this.#host.ensureTopics(topics);
    if (this.#options.startFrom === 'latest') await this.#host.startAtEnd(this.#groupId, topics.slice(0, 2));
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics, fromBeginning: true });
    // A new generation may own other partitions, or the same ones moved on: read the ledgers again.
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
      for (const [key, ledger] of this.#ledgers) this.#earlier.set(key, ledger);
      this.#ledgers.clear();
      this.#committed.clear();
    });
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumer group ${this.#groupId} did not join within ${this.#host.joinTimeoutMs} ms`)),
        this.#host.joinTimeoutMs,
      );
      const off = this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 16,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
    try {
      await joined;
    } catch (error) {
      await this.#consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** Stops intake; the consumer leaves its group once every message it handed out is settled. */
  async close(): Promise<void> {
    this.#stopped = true;
    this.#wakeAll();
    if (this.#unsettled === 0) await this.#disconnect();
  }

  /** Leaves the group at once (transport close). */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#wakeAll();
    await this.#disconnect();
  }

  async #eachBatch({ batch, heartbeat, isRunning, isStale, pause, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const trackerKey = `${topic}:${partition}`;
    let tracker = this.#trackers.get(trackerKey);
    if (!tracker) {
      tracker = new OffsetTracker();
      this.#trackers.set(trackerKey, tracker);
    }
    // kafkajs' fetch position moves past what was handed out once per batch, not per message (it
    // parses the offset each time); what is committed is decided by the tracker, not by this.
    let lastDelivered: string | undefined;
    const resolveDelivered = () => {
      if (lastDelivered !== undefined) resolveOffset(lastDelivered);
      lastDelivered = undefined;
    };
    try {
      for (const message of batch.messages) {
        if (this.#stopped || !isRunning() || isStale()) return;
        const fields = fromKafkaMessage(message, topic, partition);
        // Only anymq's delay and retry topics wait: a not-before header on the queue's own topic
        // (another producer's, say) never holds its partition.
        const wait = topic === this.#queue ? 0 : fields.notBefore - Date.now();
        if (wait > 0) {
          // Not due yet: read it again when it is; nothing after it in this partition runs before.
          resolveDelivered();
          this.#consumer.seek({ topic, partition, offset: message.offset });
          const resume = pause();
          // Past Node's timer limit (about 24.8 days) the timer fires early and the record waits again.
          const timer = setTimeout(
            () => {
              this.#timers.delete(timer);
              resume();
            },
            Math.min(wait, 2_147_483_647),
          );
          this.#timers.add(timer);
          return;
        }
        const offset = BigInt(message.offset);
        const ledger = this.#ledgers.get(trackerKey) ?? (await this.#loadLedger(topic, partition, trackerKey));
        ledger.position ??= offset;
        if (offset < ledger.position) {
          // This member settled it already: after a rejoin kafkajs reads again from the broker's
          // committed offset, which lags while commits fail (a broker restart). Handling it again
          // would be a duplicate; the retried commit moves the broker past it.
          lastDelivered = message.offset;
          continue;
        }
        const suspect = ledger.isSuspect(offset);
        // Left unsettled by a member that vanished: it runs alone in this member, so that a crash
        // while it runs is counted against it only. Everything else waits meanwhile.
        if (this.#alone) {
          while (this.#alone) await this.#withHeartbeats(this.#alone.ended, heartbeat);
          if (this.#stopped || !isRunning() || isStale()) return;
        }
        if (suspect) {
          let end!: () => void;
          this.#alone = { ended: new Promise<void>((resolve) => (end = resolve)), end };
          await this.#withHeartbeats(this.#whenIdle(), heartbeat);
        }
        const keyLock = fields.key === undefined ? undefined : `${trackerKey}:${fields.key}`;
        let waited = suspect;
        while (keyLock && this.#keys.has(keyLock)) {
          waited = true;
          await this.#withHeartbeats((this.#keys.get(keyLock) as { settled: Promise<void> }).settled, heartbeat);
        }
        // A free slot is taken without awaiting: this loop runs once per message.
        if (this.#unsettled < this.#options.prefetch) this.#unsettled++;
        else {
          waited = true;
          await this.#waitForRoom(heartbeat);
        }
        if (waited && (this.#stopped || !isRunning() || isStale())) {
          this.#releaseRoom(); // stopped or rebalanced while this loop waited
          if (suspect) this.#endAlone();
          return;
        }
        // Only now, holding its slot, is it about to run: the ledger must say so before it does. The
        // common case (inside a committed reservation) takes no await: this runs for every record.
        const need = suspect ? 'isolate' : ledger.reserve(offset);
        const abandoned = need === 'ok' ? 0 : await this.#record(trackerKey, ledger, offset, need, heartbeat);
        if (abandoned === undefined || (need !== 'ok' && (this.#stopped || !isRunning() || isStale()))) {
          this.#releaseRoom();
          if (suspect) this.#endAlone();
          return;
        }
        if (this.#stopped) {
          // Stopped while its ledger loaded (the waits above check for themselves): a record handed
          // over now would still be in the member's hands when it leaves, and the next owner would
          // count an attempt against it.
          this.#releaseRoom();
          return;
        }
        this.#deliver(
          { trackerKey, tracker, ledger, topic, partition, offset, keyLock, alone: suspect },
          message,
          fields,
          abandoned,
        );
        lastDelivered = message.offset;
      }
    } finally {
      resolveDelivered();
    }
  }

  #deliver(slot: RecordSlot, record: KafkaMessage, fields: IncomingFields, abandoned: number): void {
    slot.tracker.start(slot.offset); // its slot under `prefetch` was taken in #eachBatch
    this.#inHands++;
    if (slot.keyLock) {
      let release!: () => void;
      const settled = new Promise<void>((resolve) => (release = resolve));
      this.#keys.set(slot.keyLock, { settled, release });
    }
    this.#onDelivery(new KafkaDelivery(this, record, fields, slot, abandoned));
  }

  /**
   * Makes the ledger say that `offset` may be in a handler's hands before it is: a suspect is named
   * (resolves with its abandoned deliveries so far); anything else must lie in a committed
   * reservation. Undefined when the member stopped meanwhile.
   */
  async #record(
    trackerKey: string,
    ledger: PartitionLedger,
    offset: bigint,
    first: 'isolate' | 'extend' | 'wait',
    heartbeat: () => Promise<void>,
  ): Promise<number | undefined> {
    if (first === 'isolate') {
      const abandoned = ledger.isolate(offset);
      const outcome = await this.#untilCommitted(this.#commitLedger(trackerKey, ledger), heartbeat);
      if (outcome !== 'rejoin') return abandoned;
      ledger.unisolate(offset); // it does not run now: this run must not count when it is fetched again
      return undefined;
    }
    for (let need: ReturnType<PartitionLedger['reserve']> = first; need !== 'ok'; need = ledger.reserve(offset)) {
      ledger.reserving ??= this.#commitLedger(trackerKey, ledger).finally(() => (ledger.reserving = undefined));
      if (need === 'extend') break;
      const outcome = await this.#untilCommitted(ledger.reserving, heartbeat);
      if (outcome === 'rejoin') return undefined;
      if (outcome === 'slow') break;
    }
    return 0;
  }

  /**
   * Waits for a commit, heartbeating. 'rejoin' when the member stops or a heartbeat fails: a
   * rebalance is under way (or the broker is gone), and the commit can only succeed once kafkajs
   * has rejoined, which it does only after this batch returns (its unhanded records are fetched
   * again). 'slow' past COMMIT_WAIT_MS: the record runs without its ledger entry (a crash then may
   * go uncounted) rather than the consumer stalling on its own bookkeeping.
   */
  async #untilCommitted(
    commit: Promise<void>,
    heartbeat: () => Promise<void>,
  ): Promise<'committed' | 'rejoin' | 'slow'> {
    let outcome: 'committed' | 'rejoin' | undefined;
    commit.then(
      () => (outcome = 'committed'),
      () => (outcome = 'rejoin'),
    );
    for (const deadline = Date.now() + COMMIT_WAIT_MS; ;) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([commit.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 500)))]);
      clearTimeout(timer);
      if (outcome !== undefined) return outcome;
      if (this.#stopped) return 'rejoin';
      if (Date.now() > deadline) return 'slow';
      try {
        await heartbeat();
      } catch {
        return 'rejoin';
      }
    }
  }

  /** Reads the partition's committed offset and ledger, once per topic and generation. */
  async #loadLedger(topic: string, partition: number, trackerKey: string): Promise<PartitionLedger> {
    let committed = this.#committed.get(topic);
    if (!committed) {
      committed = this.#host.committedOffsets(this.#groupId, topic);
      this.#committed.set(topic, committed);
      committed.catch(() => this.#committed.delete(topic));
    }
    const found = (await committed).get(partition);
    let ledger = this.#ledgers.get(trackerKey);
    if (!ledger) {
      const earlier = this.#earlier.get(trackerKey);
      this.#earlier.delete(trackerKey);
      ledger = earlier?.stillCommitted(found?.offset, found?.metadata)
        ? earlier
        : new PartitionLedger(
            topic,
            partition,
            found?.offset,
            found?.metadata,
            Math.max(64, 2 * this.#options.prefetch),
            this.#owner,
          );
      this.#ledgers.set(trackerKey, ledger);
    }
    return ledger;
  }

  /** DeliveryOwner: a record is settled. */
  finished(slot: RecordSlot, commit: boolean): void {
    this.#inHands--;
    if (slot.alone) this.#endAlone();
    if (commit) {
      const position = slot.tracker.settle(slot.offset);
      if (position !== undefined) {
        slot.ledger.position = position;
        void this.#commitLedger(slot.trackerKey, slot.ledger);
      }
    }
    if (slot.keyLock) {
      this.#keys.get(slot.keyLock)?.release();
      this.#keys.delete(slot.keyLock);
    }
    this.#releaseRoom();
  }

  /** DeliveryOwner: a copy on the group's retry topic, due after `delayMs`. */
  retryLater(record: KafkaMessage, id: string, attempt: number, delayMs: number): Promise<void> {
    const topic = retryTopic(this.#queue, this.#options.group);
    const copy = copyOf(record, id, {
      [HeaderNames.attempt]: String(attempt + 1),
      [NOT_BEFORE_HEADER]: String(Date.now() + delayMs),
    });
    return this.#untilProduced(() => this.#host.produce(topic, [copy]));
  }

  /** DeliveryOwner: a copy on the dead-letter topic. */
  deadLetter(queue: string, record: KafkaMessage, id: string, headers: Record<string, string>): Promise<void> {
    const copy = copyOf(record, id, headers);
    return this.#untilProduced(async () => {
      await this.#host.ensureTopics([queue]);
      await this.#host.produce(queue, [copy]);
    });
  }

  /**
   * A copy for a retry or the dead-letter topic is tried again, with backoff, for as long as this
   * member runs: until it is stored, the record's offset cannot be committed, and giving up would
   * pin every commit of its partition until the next rebalance. Once the member stops, the record is
   * left uncommitted for the partition's next owner (at-least-once).
   */
  async #untilProduced(produce: () => Promise<void>): Promise<void> {
    for (let failures = 1; ; failures++) {
      try {
        return await produce();
      } catch (error) {
        // A copy the broker refuses as too large will never fit: that error goes to core, which reports it.
        if (this.#stopped || (error as { cause?: { type?: string } }).cause?.type === 'MESSAGE_TOO_LARGE') throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures)));
      }
    }
  }

  /**
   * Waits (heartbeating) until a settled message hands its slot under `prefetch` over: one waiter
   * per freed slot, so partition loops do not all wake for each. Resolves holding the slot.
   */
  async #waitForRoom(heartbeat: () => Promise<void>): Promise<void> {
    if (this.#stopped) {
      this.#unsettled++; // the caller sees the stop and gives it back
      return;
    }
    await this.#withHeartbeats(new Promise<void>((resolve) => this.#roomWaiters.push(resolve)), heartbeat);
  }

  /** Gives a slot back: to the partition loop waiting longest, or to the pool. */
  #releaseRoom(): void {
    const next = this.#roomWaiters.shift();
    if (next) next();
    else if (--this.#unsettled === 0) for (const wake of this.#idle.splice(0)) wake();
    if (this.#stopped && this.#unsettled === 0) void this.#disconnect();
  }

  /** Resolves when no message of this member is in a handler's hands. */
  #whenIdle(): Promise<void> {
    return this.#unsettled === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  #endAlone(): void {
    const alone = this.#alone;
    this.#alone = undefined;
    alone?.end();
  }

  /** On stop: every waiting loop gets a slot at once, sees the stop and gives it back. */
  #wakeAll(): void {
    for (const wake of this.#roomWaiters.splice(0)) {
      this.#unsettled++;
      wake();
    }
  }

  /** Waits for `promise`, heartbeating every second so that a long handler keeps the membership. */
  async #withHeartbeats(promise: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let done = false;
    void promise.finally(() => (done = true));
    while (!done) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
      clearTimeout(timer);
      if (!done) await heartbeat().catch(() => undefined);
    }
  }

  /**
   * Commits the partition's position with its ledger; resolves once the broker has it. `clean`:
   * this member leaves with nothing of it in a handler's hands.
   */
  #commitLedger(trackerKey: string, ledger: PartitionLedger, clean = false): Promise<void> {
    if (ledger.position === undefined) return Promise.resolve();
    // Settles call this for every record: the record's text is made once per round, at the flush.
    if (this.#commits.get(trackerKey)?.clean !== clean)
      this.#commits.set(trackerKey, { topic: ledger.topic, partition: ledger.partition, ledger, clean });
    this.#nextRound ??= deferred();
    const round = this.#nextRound.promise;
    this.#committing ??= this.#flushCommits();
    return round;
  }

  /**
   * Commits the latest position of each partition, coalescing commits made meanwhile. A failed
   * round (the coordinator moved, a rebalance, a broker restart) is tried again with backoff while
   * this member runs, and a few times when it is leaving.
   */
  async #flushCommits(): Promise<void> {
    try {
      for (let failures = 0; this.#commits.size > 0;) {
        const batch = [...this.#commits.entries()];
        this.#commits.clear();
        const round = this.#nextRound;
        this.#nextRound = undefined;
        const records = batch.map(([, { topic, partition, ledger, clean }]) => ({
          topic,
          partition,
          ledger,
          offset: ledger.position as bigint,
          metadata: ledger.metadata(clean),
          reservedEnd: ledger.requestedEnd,
        }));
        try {
          await this.#consumer.commitOffsets(
            records.map(({ topic, partition, offset, metadata }) => ({
              topic,
              partition,
              offset: String(offset),
              metadata,
            })),
          );
          for (const record of records) record.ledger.committed(record.offset, record.metadata, record.reservedEnd);
          round?.resolve();
          failures = 0;
        } catch (error) {
          failures++;
          if (this.#stopped && failures >= 3) {
            // Waiters of rounds scheduled since (narrowed by TypeScript as if none could be).
            const later = this.#nextRound as ReturnType<typeof deferred> | undefined;
            round?.reject(error);
            later?.reject(error);
            this.#nextRound = undefined;
            this.#commits.clear(); // the partitions' next owner reads them again: at-least-once
            return;
          }
          for (const [key, commit] of batch) if (!this.#commits.has(key)) this.#commits.set(key, commit);
          if (round) {
            this.#nextRound ??= deferred();
            this.#nextRound.promise.then(round.resolve, round.reject);
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures)));
        }
      }
    } finally {
      this.#committing = undefined;
    }
  }

  /** Resolves once the member has committed what it settled and left its group. */
  get disconnected(): Promise<void> {
    return this.#left;
  }

  #disconnect(): Promise<void> {
    this.#disconnected ??= (async () => {
      for (const timer of this.#timers) clearTimeout(timer);
      if (this.#inHands === 0) {
        // Nothing is in a handler's hands (a loop still waiting for its slot's commit will not
        // deliver now): say so, so that the next owner suspects nothing.
        await Promise.all([...this.#ledgers].map(([key, ledger]) => this.#commitLedger(key, ledger, true))).catch(
          () => undefined,
        );
      }
      await this.#committing;
      await this.#consumer.disconnect().catch(() => undefined);
      this.#markLeft();
    })();
    return this.#disconnected;
  }
}
