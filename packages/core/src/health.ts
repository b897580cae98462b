import type { Transport } from './transport.js';

/** A readiness probe's answer. `health()` never throws: a probe wants a value. */
export interface Health {
  readonly backend: string;
  /** The broker answered a round trip within the timeout (a backend without one: the client is open). */
  readonly ok: boolean;
  /** That round trip, in milliseconds; undefined where the backend has no ping or it failed. */
  readonly roundTripMs: number | undefined;
  /** Why it is not ok. */
  readonly error?: string;
}

/** Pings the broker once, bounded by `timeoutMs`. */
export async function checkHealth(transport: Transport, timeoutMs: number): Promise<Health> {
  const backend = transport.name;
  if (!transport.ping) return { backend, ok: true, roundTripMs: undefined };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      transport.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from the broker within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { backend, ok: true, roundTripMs: performance.now() - started };
  } catch (error) {
    return { backend, ok: false, roundTripMs: undefined, error: String((error as Error)?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}
