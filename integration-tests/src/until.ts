/**
 * Polls `condition` until it holds; fails after `timeoutMs` naming what it waited for (`what` may be
 * a function, to say how far it got when it gave up).
 */
export async function until(condition: () => boolean, what: string | (() => string), timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `probe` until it resolves; fails after `timeoutMs` naming what it waited for, with the last error. */
export async function retryUntil(
  probe: () => Promise<void>,
  what: string,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
