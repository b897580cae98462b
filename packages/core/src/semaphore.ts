/** Counts permits; `acquire` waits while none is free. Used to bound in-flight sends. */
export class Semaphore {
  #available: number;
  readonly #waiters: (() => void)[] = [];

  constructor(permits: number) {
    this.#available = permits;
  }

  /** Takes a permit at once when one is free (no promise on the fast path). */
  tryAcquire(): boolean {
    if (this.#available > 0) {
      this.#available--;
      return true;
    }
    return false;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#available++;
  }
}
