/** Collects what handlers saw, and lets a test wait, bounded, until enough has arrived. */
export class Inbox<T> {
  readonly items: T[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  /** Records what a handler saw; wakes the waiters it satisfies. */
  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.#waiters]) {
      if (this.items.length >= waiter.count) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  get length(): number {
    return this.items.length;
  }

  /** Resolves once `count` items arrived; rejects after `timeoutMs` naming what it waited for. */
  waitFor(count: number, what: string, timeoutMs: number): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve(this.items);
    return new Promise<T[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: got ${this.items.length} of ${count}`));
      }, timeoutMs);
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.items);
        },
      };
      this.#waiters.push(waiter);
    });
  }
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
export function gate(): {
  /** Resolves once `open` is called. */
  promise: Promise<void>;
  /** Lets the held handlers go. */
  open: () => void;
} {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Rejects with a message naming what was awaited if `promise` does not settle in time. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
