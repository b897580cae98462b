/**
 * Which offset of one partition may be committed: the lowest offset not yet settled. An offset is
 * committed only once it and every offset before it were settled, so a crash never skips a message
 * (at-least-once, no gap), however the handlers of one partition finish out of order.
 */
export class OffsetTracker {
  /** Offsets handed out and not yet settled, in the order they were handed out (ascending). */
  readonly #pending: bigint[] = [];
  readonly #settled = new Set<bigint>();
  /** The offset that follows the highest one handed out. */
  #next: bigint | undefined;

  start(offset: bigint): void {
    this.#pending.push(offset);
    this.#next = offset + 1n;
  }

  /** Marks `offset` settled; returns the offset to commit if the committable position moved. */
  settle(offset: bigint): bigint | undefined {
    this.#settled.add(offset);
    let moved = false;
    while (this.#pending.length > 0 && this.#settled.has(this.#pending[0] as bigint)) {
      this.#settled.delete(this.#pending.shift() as bigint);
      moved = true;
    }
    if (!moved) return undefined;
    return this.#pending[0] ?? this.#next;
  }

  /** Offsets handed out and not settled. */
  get unsettled(): number {
    return this.#pending.length - this.#settled.size;
  }
}
