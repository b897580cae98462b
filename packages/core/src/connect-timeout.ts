import { ConnectionError } from './errors.js';

/** How long `connect` waits for a broker (or proxy) by default before a ConnectionError. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Waits for `connecting` at most `timeoutMs`. Past it, fails with a `ConnectionError` that names
 * `what` (the redacted address) and the fix, and `abandon` cleans up whatever the attempt still
 * holds. Client libraries retry a dead address for 20–30 s or for ever; a first connect should fail
 * fast. Reconnects after a successful connect keep their own patient backoff.
 */
export async function connectWithin<T>(
  connecting: Promise<T>,
  timeoutMs: number,
  what: string,
  abandon: () => Promise<unknown> | undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectionError(
            `${what} did not answer within ${timeoutMs} ms (connectTimeoutMs). Fix: check that it runs and that the address is right, or raise connectTimeoutMs.`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([connecting, timedOut]);
  } catch (error) {
    connecting.catch(() => undefined); // a late failure of the abandoned attempt is not news
    // Not awaited: cleaning up may itself wait on the hung attempt.
    void Promise.resolve()
      .then(abandon)
      .catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
