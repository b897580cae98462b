/** Polls `condition` until it holds; fails after `timeoutMs` naming what it waited for. */
export async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
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
