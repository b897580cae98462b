/**
 * Where the memory backend's delays (delayed sends, retry backoff) take their time from: the
 * process's timers by default, or a test's fake clock (`@anymq/testing`'s `memoryWithFakeClock`),
 * so that a test of a handler with a 30 s backoff takes milliseconds.
 */
export interface TimerFunctions {
  /** Runs `callback` after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels what `setTimeout` scheduled, by its handle. */
  clearTimeout(handle: never): void;
}

/** The delayed work of one transport, so that closing it cancels all of it. */
export class Timers {
  readonly #pending = new Set<unknown>();

  constructor(readonly functions: TimerFunctions = globalThis) {}

  /** Runs `work` after `ms`, unless cancelled first. */
  later(ms: number, work: () => void): void {
    const handle = this.functions.setTimeout(() => {
      this.#pending.delete(handle);
      work();
    }, ms);
    this.#pending.add(handle);
  }

  cancelAll(): void {
    for (const handle of this.#pending) this.functions.clearTimeout(handle as never);
    this.#pending.clear();
  }
}
