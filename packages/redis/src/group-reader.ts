import { type Delivery, HeaderNames, type SubscribeOptions, type Subscription } from '@anymq/core/transport';
import type { ChainableCommander, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { copyFields, fromFields, packFields } from './entry.js';
import type { QueueKeys } from './keys.js';
import { execAll } from './replies.js';

type RawEntry = [id: Buffer, fields: Buffer[] | null];

export interface ReaderSettings {
  readonly claimTimeoutMs: number;
  readonly maxLength: number | undefined;
  /** The stream of another queue (a dead-letter queue). */
  streamOf(queue: string): string;
  reportError(error: unknown): void;
}

/** Longest a read blocks: also how late a reclaim or a close can be. */
const maxBlockMs = 1_000;
/** Most packed entries one run of the mover moves per set. */
const moveBatch = 200;

/**
 * One member of a group (a consumer of the group on the queue's stream and on the group's retries
 * stream). It reads at most as many entries as it has free slots, so nothing waits in a client
 * buffer; refreshes the claim on its running entries so a long handler keeps them; claims what
 * members that vanished left (`XAUTOCLAIM`), counting each of those deliveries as abandoned; and
 * moves due retries and delayed sends from their sorted sets to their streams.
 *
 * Every settlement removes the entry from the group's pending list in one transaction with what it
 * writes (a copy, a dead letter), so Redis's delivery count of an entry counts only deliveries that
 * ended with their member gone.
 */
export class GroupReader implements Subscription {
  readonly #redis: Redis;
  readonly #blocking: Redis;
  readonly #keys: QueueKeys;
  readonly #queue: string;
  readonly #group: string;
  readonly #options: SubscribeOptions;
  readonly #onDelivery: (delivery: Delivery) => void;
  readonly #settings: ReaderSettings;
  readonly #consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Unsettled entries by stream, then entry id. */
  readonly #unsettled = new Map<string, Set<string>>();
  #unsettledCount = 0;
  readonly #reclaimFrom = new Map<string, string>();
  /** Claimed entries of vanished members, held until each can run alone. */
  readonly #suspects: { readonly entry: string; handOver(): void }[] = [];
  /** The suspect handed to core and not yet settled (`stream entryId`): nothing else runs beside it. */
  #suspectRunning: string | undefined;
  readonly #refresher: NodeJS.Timeout;
  #mover: NodeJS.Timeout | undefined;
  #moverAt = Number.POSITIVE_INFINITY;
  #blockingId: number | undefined;
  #slotFreed: (() => void) | undefined;
  #retriesWaiting = true;
  #lastRetriesCheck = 0;
  #lastReclaim = 0;
  #closed = false;
  #loop: Promise<void> | undefined;

  constructor(
    redis: Redis,
    keys: QueueKeys,
    queue: string,
    options: SubscribeOptions,
    onDelivery: (delivery: Delivery) => void,
    settings: ReaderSettings,
  ) {
    this.#redis = redis;
    // Blocking reads hold their connection: each member has its own.
    this.#blocking = redis.duplicate({ enableAutoPipelining: false });
    // A copy does not inherit listeners: without one, ioredis prints every dropped connection as an
    // "Unhandled error event". It reconnects by itself; failures reach the blocking read.
    this.#blocking.on('error', () => undefined);
    this.#keys = keys;
    this.#queue = queue;
    this.#group = options.group;
    this.#options = options;
    this.#onDelivery = onDelivery;
    this.#settings = settings;
    this.#refresher = setInterval(() => this.#refresh(), Math.max(100, Math.floor(settings.claimTimeoutMs / 3)));
    this.#refresher.unref();
  }

  get #retries(): string {
    return this.#keys.retries(this.#group);
  }

  get #reclaimEveryMs(): number {
    return Math.min(5_000, Math.max(250, Math.floor(this.#settings.claimTimeoutMs / 4)));
  }

  async start(): Promise<void> {
    await this.#makeGroups();
    this.#blocking.on('ready', () => void this.#learnBlockingId().catch(() => undefined));
    await this.#learnBlockingId();
    this.#loop = this.#read();
    this.#moveAfter(0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#slotFreed?.();
    this.#unblock();
    await this.#loop;
    // Claimed but not yet run: handed back to the group with the counts they came with.
    for (const suspect of this.#suspects.splice(0)) suspect.handOver();
    // Deliveries core still settles after close keep their claim until then (see #letGo).
    if (this.#unsettledCount === 0) clearInterval(this.#refresher);
    clearTimeout(this.#mover);
    this.#blocking.disconnect();
  }

  /** The group on the queue's stream (from the start or the end) and on its retries stream. */
  async #makeGroups(): Promise<void> {
    const from = this.#options.startFrom === 'latest' ? '$' : '0';
    for (const [stream, start] of [
      [this.#keys.stream, from],
      [this.#retries, '0'],
    ] as const) {
      await this.#redis.xgroup('CREATE', stream, this.#group, start, 'MKSTREAM').catch((error: unknown) => {
        if (!/BUSYGROUP/.test(String((error as Error)?.message))) throw error;
      });
    }
  }

  async #learnBlockingId(): Promise<void> {
    this.#blockingId = Number(await this.#blocking.client('ID'));
  }

  /** Ends a blocked read at once (it returns as if it timed out). */
  #unblock(): void {
    if (this.#blockingId !== undefined) void this.#redis.client('UNBLOCK', this.#blockingId).catch(() => undefined);
  }

  async #read(): Promise<void> {
    for (let failures = 0; !this.#closed;) {
      // A suspect (its last member vanished with it) runs alone: once everything else settled, and
      // nothing starts beside it until its settlement is written. If it kills this process too,
      // nothing that ran beside it is blamed, and what ran before it is already acked.
      if (this.#suspects.length > 0 || this.#suspectRunning !== undefined) {
        const next = this.#suspects[0];
        if (next && this.#suspectRunning === undefined && this.#unsettledCount === this.#suspects.length) {
          this.#suspects.shift();
          this.#suspectRunning = next.entry;
          next.handOver();
        } else await this.#slotFreedOnce();
        continue;
      }
      const free = this.#options.prefetch - this.#unsettledCount;
      if (free <= 0) {
        await this.#slotFreedOnce();
        continue;
      }
      try {
        let read = 0;
        const now = Date.now();
        if (now - this.#lastReclaim >= this.#reclaimEveryMs) {
          this.#lastReclaim = now;
          if (await this.#reclaim()) continue; // it runs alone, before anything else is read
        }
        // Retries that members moved (this one tells itself; others' are looked for every second).
        if (read < free && (this.#retriesWaiting || now - this.#lastRetriesCheck >= maxBlockMs)) {
          this.#retriesWaiting = false;
          this.#lastRetriesCheck = now;
          read += await this.#readNew(this.#retries, free - read, undefined);
        }
        if (read === 0) await this.#readNew(this.#keys.stream, free, Math.min(maxBlockMs, this.#reclaimEveryMs));
        failures = 0;
      } catch (error) {
        if (this.#closed) break;
        // A server restarted without persistence forgot the groups: make them again.
        if (/NOGROUP/.test(String((error as Error)?.message))) await this.#makeGroups().catch(() => undefined);
        else this.#settings.reportError(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures++)));
      }
    }
  }

  async #slotFreedOnce(): Promise<void> {
    await new Promise<void>((resolve) => (this.#slotFreed = resolve));
    this.#slotFreed = undefined;
  }

  async #readNew(stream: string, count: number, blockMs: number | undefined): Promise<number> {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply = (await this.#blocking.callBuffer(
      'XREADGROUP',
      'GROUP',
      this.#group,
      this.#consumer,
      'COUNT',
      count,
      ...block,
      'STREAMS',
      stream,
      '>',
    )) as [Buffer, RawEntry[]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    for (const [id, fields] of entries) this.#deliver(stream, id.toString(), fields ?? [], 1);
    return entries.length;
  }

  /**
   * Claims one entry that stayed unsettled past claimTimeoutMs at a member that vanished. One at a
   * time: a claim counts a delivery, so an entry claimed beside a suspect that then kills this
   * process would be blamed for a crash it never ran in. The next is claimed once this one settled.
   */
  async #reclaim(): Promise<boolean> {
    for (const stream of [this.#keys.stream, this.#retries]) {
      // On the reading connection: ioredis 6 drops the command name of `callBuffer` when it
      // auto-pipelines it (it restores it for `call` only), and the main connection auto-pipelines.
      const [next, entries] = (await this.#blocking.callBuffer(
        'XAUTOCLAIM',
        stream,
        this.#group,
        this.#consumer,
        this.#settings.claimTimeoutMs,
        this.#reclaimFrom.get(stream) ?? '0-0',
        'COUNT',
        1,
      )) as [Buffer, RawEntry[]];
      this.#reclaimFrom.set(stream, next.toString());
      // More to look at: again on the next turn, not after the interval.
      if (next.toString() !== '0-0') this.#lastReclaim = 0;
      const [id, fields] = entries.find((entry): entry is [Buffer, Buffer[]] => entry[1] !== null) ?? [];
      if (!id || !fields) continue;
      const entryId = id.toString();
      const timesDelivered = await this.#deliveryCount(stream, entryId);
      this.#hold(stream, entryId);
      this.#suspects.push({
        entry: `${stream} ${entryId}`,
        handOver: () => this.#handOver(stream, entryId, fields, timesDelivered),
      });
      this.#lastReclaim = 0;
      return true;
    }
    return false;
  }

  /** Redis's count of deliveries of an entry (XAUTOCLAIM does not say); 2 if it is gone from the pending list. */
  async #deliveryCount(stream: string, entryId: string): Promise<number> {
    const [row] = (await this.#redis.xpending(stream, this.#group, entryId, entryId, 1)) as [
      string,
      string,
      number,
      number,
    ][];
    return row ? Number(row[3]) : 2;
  }

  #deliver(stream: string, entryId: string, raw: Buffer[], timesDelivered: number): void {
    this.#hold(stream, entryId);
    this.#handOver(stream, entryId, raw, timesDelivered);
  }

  /** Hands a held entry to core (or back to the group, after close). */
  #handOver(stream: string, entryId: string, raw: Buffer[], timesDelivered: number): void {
    const fields = fromFields(raw);
    const attempt = fields.firstAttempt + timesDelivered - 1;
    const abandoned = fields.abandoned + timesDelivered - 1;
    const id = fields.id ?? `${this.#queue}/${entryId}`;
    let settled = false;
    const settle = async (writes?: (tx: ChainableCommander) => void): Promise<void> => {
      if (settled) return;
      settled = true;
      try {
        // A plain ack of the queue's stream needs no transaction (and is auto-pipelined with others).
        if (!writes && stream !== this.#retries) {
          await this.#redis.xack(stream, this.#group, entryId);
          return;
        }
        const tx = this.#redis.multi();
        writes?.(tx);
        tx.xack(stream, this.#group, entryId);
        // A retries stream is this group's alone: a settled copy has no other reader.
        if (stream === this.#retries) tx.xdel(stream, entryId);
        await execAll(tx);
      } finally {
        this.#letGo(stream, entryId);
      }
    };
    const copy = (delayMs: number, copyAttempt: number) =>
      settle((tx) => {
        const fieldsOut = copyFields(raw, {
          [HeaderNames.id]: id,
          [HeaderNames.attempt]: String(copyAttempt),
          ...(abandoned > 0 ? { [HeaderNames.abandoned]: String(abandoned) } : {}),
        });
        if (delayMs > 0)
          tx.anymqSchedule(this.#keys.retriesDue(this.#group), delayMs, packFields(`${stream}/${entryId}`, fieldsOut));
        else tx.xadd(this.#retries, '*', ...fieldsOut);
      }).then(() => (delayMs > 0 ? this.#moveAfter(delayMs) : this.#retriesArrived()));
    if (this.#closed) {
      // Read after close() began, or a suspect not yet run: handed back, not left to wait for a claim timeout.
      void copy(0, attempt).catch(() => undefined);
      return;
    }
    this.#onDelivery({
      id,
      body: fields.body,
      key: fields.key,
      headers: fields.headers,
      timestamp: fields.timestamp ?? Number(entryId.split('-')[0]),
      attempt,
      ...(abandoned > 0 ? { abandoned } : {}),
      ...(fields.ignored ? { ignored: fields.ignored } : {}),
      ack: () => settle(),
      retry: (delayMs) => copy(delayMs, attempt + 1),
      deadLetter: (deadLetterQueue, headers) =>
        settle((tx) => {
          const trim = this.#settings.maxLength ? ['MAXLEN', '~', this.#settings.maxLength] : [];
          tx.xadd(
            this.#settings.streamOf(deadLetterQueue),
            ...trim,
            '*',
            ...copyFields(raw, { [HeaderNames.id]: id, ...headers }),
          );
        }),
      release: () => copy(0, attempt),
    });
  }

  #hold(stream: string, entryId: string): void {
    let ids = this.#unsettled.get(stream);
    if (!ids) this.#unsettled.set(stream, (ids = new Set()));
    ids.add(entryId);
    this.#unsettledCount++;
  }

  #letGo(stream: string, entryId: string): void {
    if (this.#unsettled.get(stream)?.delete(entryId)) this.#unsettledCount--;
    if (this.#suspectRunning === `${stream} ${entryId}`) this.#suspectRunning = undefined;
    if (this.#closed && this.#unsettledCount === 0) clearInterval(this.#refresher);
    this.#slotFreed?.();
  }

  #retriesArrived(): void {
    this.#retriesWaiting = true;
    this.#unblock();
  }

  /**
   * Resets the idle time of this member's unsettled entries, so no other member claims them while
   * their handlers run. Only entries idle for a quarter of the timeout: one that another member
   * claimed just now (this member stalled past the timeout) stays there.
   */
  #refresh(): void {
    for (const [stream, ids] of this.#unsettled) {
      if (ids.size === 0) continue;
      const minIdle = Math.floor(this.#settings.claimTimeoutMs / 4);
      void this.#redis
        .xclaim(stream, this.#group, this.#consumer, minIdle, ...ids, 'JUSTID')
        .catch((error: unknown) => this.#settings.reportError(error));
    }
  }

  /** Runs the mover in `delayMs` (or sooner, if it is due sooner already). */
  #moveAfter(delayMs: number): void {
    if (this.#closed) return;
    const at = Date.now() + delayMs;
    if (at >= this.#moverAt) return;
    clearTimeout(this.#mover);
    this.#moverAt = at;
    this.#mover = setTimeout(() => void this.#move(), delayMs);
    this.#mover.unref();
  }

  /**
   * Moves due delayed sends to the queue's stream and due retries to this group's retries stream.
   * Runs when the next one this member knows of is due, and at least every second for those other
   * members and producers scheduled.
   */
  async #move(): Promise<void> {
    this.#moverAt = Number.POSITIVE_INFINITY;
    let nextMs = maxBlockMs;
    try {
      const [moved, next] = await this.#redis.anymqMoveDue(
        4,
        this.#keys.delayed,
        this.#keys.stream,
        this.#keys.retriesDue(this.#group),
        this.#retries,
        moveBatch,
        this.#settings.maxLength ?? 0,
      );
      if (next >= 0) nextMs = Math.min(nextMs, next);
      if (moved > 0) this.#retriesArrived();
    } catch (error) {
      if (!this.#closed) this.#settings.reportError(error);
    }
    this.#moveAfter(nextMs);
  }
}
