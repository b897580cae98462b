import { type Client, type ConnectOptions, connect } from '@anymq/core';
import { createClock } from '@sinonjs/fake-timers';

/** The time of a `memoryWithFakeClock` backend: it moves only when the test moves it. */
export interface FakeClock {
  /** The fake time, in milliseconds since the epoch; it starts at the real time. */
  readonly now: number;
  /** Delayed sends and retries scheduled and not yet due. */
  readonly pending: number;
  /**
   * Moves the clock forward by `ms`: every delayed send and retry that falls due is delivered, in
   * order, and the handlers it starts run (and may schedule more) before the next one fires.
   */
  advance(ms: number): Promise<void>;
  /** Moves the clock until nothing is scheduled any more: every retry run out, every delayed send delivered. */
  runAll(): Promise<void>;
}

/**
 * The in-memory backend on a fake clock: delayed sends and retry backoff wait for `clock.advance()`
 * instead of real time, so a unit test of a handler with a 30 s backoff takes milliseconds. Nothing
 * global is faked: the test framework's own timers, and the code under test's, keep real time.
 * Message expiry (`expiresInMs`) and handler timeouts keep real time too. Needs `@anymq/memory`
 * installed, as `connect('memory://')` does.
 */
export async function memoryWithFakeClock(
  options: ConnectOptions & { capacity?: number } = {},
): Promise<{ mq: Client; clock: FakeClock }> {
  const timers = createClock(Date.now());
  const { capacity, ...connectOptions } = options;
  const mq = await connect(
    { backend: 'memory', timers, ...(capacity === undefined ? {} : { capacity }) },
    connectOptions,
  );
  const clock: FakeClock = {
    get now() {
      return timers.now;
    },
    get pending() {
      return timers.countTimers();
    },
    async advance(ms) {
      await timers.tickAsync(ms);
    },
    async runAll() {
      await timers.runAllAsync();
    },
  };
  return { mq, clock };
}
