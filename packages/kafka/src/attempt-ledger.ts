/**
 * Crash-safe attempts on Kafka, kept where Kafka keeps a group's progress: in the metadata string
 * of each partition's committed offset. A record says which offsets at or above the committed one
 * a member may have handed to a handler without settling them yet:
 *
 * - normal mode: before a handler gets offset O, the committed record must reserve it (`h` > O).
 *   Reservations are made `window` offsets ahead, proactively, so this costs one commit per window
 *   and rarely a wait. A member that leaves cleanly writes `h` = its committed offset: no suspects.
 * - after a member vanished (crash, kill, lost session), its reserved range [committed, h) holds
 *   suspects: each counts one abandoned delivery (`b`). They are run one at a time ("isolation"),
 *   and before each runs, the record names it (`s`) and how often it was started alone (`n`). A
 *   message that kills its process each time thus counts every crash exactly, and is dead-lettered
 *   by core after `retry.maxAttempts`, while the innocent suspects around it run and move on. "Alone"
 *   is member-wide: the group consumer hands out nothing else while a suspect runs.
 *
 * The limit: a suspect that the vanished member reserved but never started also counts one
 * abandoned delivery (the broker cannot tell them apart); at most `window` + prefetch messages.
 */

/** What one committed offset's metadata says. Offsets are decimal strings (64-bit). */
interface LedgerRecord {
  /** Offsets below this (and at or above the committed one) may be in a handler's hands. */
  readonly h: bigint;
  /** How many members left the range [committed, h) unsettled, when isolating. */
  readonly b?: number;
  /** The suspect being run alone, and how many times it was started alone. */
  readonly s?: bigint;
  readonly n?: number;
  /** The member that wrote it (a token of its own), so that after a rejoin it knows its own record. */
  readonly o?: string;
}

const TAG = 'anymq-attempts/1';
const MAX_COUNT = 1_000;

/** Reads a record written by `format`; anything else (another program's metadata, garbage) is none. */
export function parseRecord(metadata: string | null | undefined): LedgerRecord | undefined {
  if (!metadata || metadata.length > 512 || !metadata.startsWith(`${TAG} `)) return undefined;
  const fields = new Map(
    metadata
      .slice(TAG.length + 1)
      .split(' ')
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  const offset = (name: string) =>
    /^\d{1,19}$/.test(fields.get(name) ?? '') ? BigInt(fields.get(name) as string) : undefined;
  const count = (name: string) => {
    const text = fields.get(name) ?? '';
    return /^\d{1,4}$/.test(text) && Number(text) <= MAX_COUNT ? Number(text) : undefined;
  };
  const h = offset('h');
  if (h === undefined) return undefined;
  const s = offset('s');
  const n = count('n');
  const b = count('b');
  const o = /^[0-9a-f]{1,32}$/.test(fields.get('o') ?? '') ? fields.get('o') : undefined;
  return {
    h,
    ...(b === undefined ? {} : { b }),
    ...(s === undefined || n === undefined ? {} : { s, n }),
    ...(o === undefined ? {} : { o }),
  };
}

export function formatRecord(record: LedgerRecord): string {
  let text = `${TAG} h=${record.h}`;
  if (record.b !== undefined) text += ` b=${record.b}`;
  if (record.s !== undefined && record.n !== undefined) text += ` s=${record.s} n=${record.n}`;
  if (record.o !== undefined) text += ` o=${record.o}`;
  return text;
}

/** The ledger of one partition while this member owns it. */
export class PartitionLedger {
  /** The offset this member commits: the lowest one not yet settled. */
  position: bigint | undefined;
  /** Offsets below this are reserved by a record the broker has. */
  #durableEnd: bigint;
  /** Offsets below this are reserved by the record being committed now (or already). */
  #requestedEnd: bigint;
  /** From here on, the next reservation is committed ahead of need (half a window before the end). */
  #extendFrom: bigint;
  /** Suspects: [position, #suspectsEnd), each with `#base` abandoned deliveries. */
  readonly #suspectsEnd: bigint;
  readonly #base: number;
  #isolated: { readonly offset: bigint; readonly runs: number } | undefined;
  #window: number;
  #lastCommitted: { readonly offset: bigint; readonly metadata: string } | undefined;
  /** The commit that carries the latest reservation, while it is under way. */
  reserving: Promise<void> | undefined;

  /** `owner`: the token this member writes into its records. */
  constructor(
    readonly topic: string,
    readonly partition: number,
    committed: bigint | undefined,
    metadata: string | null | undefined,
    minWindow: number,
    readonly owner?: string,
  ) {
    this.position = committed;
    this.#window = minWindow;
    const record = committed === undefined ? undefined : parseRecord(metadata);
    if (record && committed !== undefined && record.h > committed) {
      this.#suspectsEnd = record.h;
      this.#base = Math.min(MAX_COUNT, record.b ?? 1);
      if (record.s !== undefined && record.n !== undefined) this.#isolated = { offset: record.s, runs: record.n };
    } else {
      this.#suspectsEnd = 0n;
      this.#base = 0;
    }
    this.#durableEnd = this.#suspectsEnd;
    this.#requestedEnd = this.#suspectsEnd;
    this.#extendFrom = this.#suspectsEnd;
  }

  /** Whether `offset` may have been left in a vanished member's hands: run it alone. */
  isSuspect(offset: bigint): boolean {
    return offset < this.#suspectsEnd;
  }

  /** Starts `offset` alone: returns its abandoned deliveries so far. Commit the record before it runs. */
  isolate(offset: bigint): number {
    const runs = this.#isolated?.offset === offset ? this.#isolated.runs : 0;
    this.#isolated = { offset, runs: runs + 1 };
    return this.#base + runs;
  }

  /** The run `isolate` began did not start after all (its record was not committed): take it back. */
  unisolate(offset: bigint): void {
    const isolated = this.#isolated;
    if (isolated?.offset !== offset) return;
    this.#isolated = isolated.runs > 1 ? { offset, runs: isolated.runs - 1 } : undefined;
  }

  /**
   * Normal mode, before a handler gets `offset`: 'ok' when a committed record reserves it; 'extend'
   * when it does, but the next reservation should be committed now (not awaited); 'wait' when a
   * reservation must be committed and awaited first.
   */
  reserve(offset: bigint): 'ok' | 'extend' | 'wait' {
    if (offset < this.#durableEnd) {
      if (offset < this.#extendFrom || this.reserving) return 'ok';
      this.#requestedEnd = offset + BigInt(this.#window);
      return 'extend';
    }
    // Handing out has to wait: reserve further ahead from now on.
    this.#window = Math.min(this.#window * 2, 4_096);
    if (offset >= this.#requestedEnd) this.#requestedEnd = offset + BigInt(this.#window);
    return 'wait';
  }

  /** The reservation that the record from `metadata()` carries. */
  get requestedEnd(): bigint {
    return this.#requestedEnd;
  }

  /** The broker has `offset` with `metadata`, which carries `reservedEnd`. */
  committed(offset: bigint, metadata: string, reservedEnd: bigint): void {
    if (reservedEnd > this.#durableEnd) {
      this.#durableEnd = reservedEnd;
      this.#extendFrom = reservedEnd - BigInt(this.#window / 2);
    }
    this.#lastCommitted = { offset, metadata };
  }

  /**
   * Whether the broker holds what this ledger wrote last: then nobody else owned the partition
   * since, and after a rebalance this member goes on with its own ledger instead of taking its own
   * reservation for a vanished member's. Either the very commit it knows of, or a record of this
   * member (a commit that landed though its answer was lost, as when connections are cut).
   */
  stillCommitted(offset: bigint | undefined, metadata: string | null | undefined): boolean {
    if (
      this.#lastCommitted !== undefined &&
      this.#lastCommitted.offset === offset &&
      this.#lastCommitted.metadata === metadata
    )
      return true;
    return (
      this.owner !== undefined &&
      parseRecord(metadata)?.o === this.owner &&
      offset !== undefined &&
      (this.position ?? 0n) >= offset
    );
  }

  /** The metadata to commit with `position`. `clean`: leaving with nothing in a handler's hands. */
  metadata(clean = false): string {
    const position = this.position ?? 0n;
    const suspects = this.#suspectsEnd > position;
    const o = this.owner === undefined ? {} : { o: this.owner };
    if (clean) return formatRecord(suspects ? { h: this.#suspectsEnd, b: this.#base, ...o } : { h: position, ...o });
    const h = this.#requestedEnd > this.#suspectsEnd ? this.#requestedEnd : this.#suspectsEnd;
    if (!suspects) return formatRecord({ h, ...o });
    const isolated =
      this.#isolated && this.#isolated.offset >= position ? { s: this.#isolated.offset, n: this.#isolated.runs } : {};
    return formatRecord({ h, b: this.#base, ...isolated, ...o });
  }
}
