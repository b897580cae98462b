import { connect } from '@anymq/core';

/**
 * Resolves once anymq can connect to `url` and the broker answers a health check; fails after
 * `timeoutMs` naming `what`, with the last failure as the cause. Dogfooding: the adapter the test
 * uses is the probe, so no second client library is needed.
 */
export async function waitUntilServing(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = await probe(url);
    if (failure === undefined) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: failure });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function probe(url: string): Promise<unknown> {
  try {
    const mq = await connect(url);
    try {
      const health = await mq.health({ timeoutMs: 2_000 });
      return health.ok ? undefined : new Error(health.error ?? 'health check failed');
    } finally {
      await mq.close();
    }
  } catch (error) {
    return error;
  }
}
