import { randomUUID } from 'node:crypto';
import type { IdempotencyStore } from '@anymq/core';
import { describe, expect, it, type TestContext } from 'vitest';

/** A store to test; `close` ends what it opened. Each call must give a new instance (a new process, as it were). */
export type IdempotencyStoreFactory = () => {
  /** The store under test. */
  store: IdempotencyStore;
  /** Ends what the factory opened for this store. */
  close(): Promise<void>;
};

/**
 * The behaviour every idempotency store shared between processes must have: claims that exclude,
 * lapse and are released only by their owner, recorded ids, and one winner among many racing claims.
 */
export function runIdempotencyStoreSuite(
  name: string,
  factory: IdempotencyStoreFactory,
  options: { skip?: string } = {},
): void {
  const open = (ctx: TestContext) => {
    if (options.skip) ctx.skip(`not applicable: ${options.skip}`);
    const { store, close } = factory();
    ctx.onTestFinished(() => close());
    if (!store.claim || !store.release)
      throw new Error(`${name} must implement claim and release to be shared between processes`);
    return store as Required<IdempotencyStore>;
  };
  const scope = () => `suite-${randomUUID().slice(0, 8)}/g`;

  // Round trips to a real server, and a claim's TTL to wait out: bounded by the waits themselves.
  describe(`${name} idempotency store`, { timeout: 30_000 }, () => {
    it('a claim excludes other instances until it is recorded; then the id is done', async (ctx) => {
      const [a, b] = [open(ctx), open(ctx)];
      const s = scope();
      expect(await a.claim(s, 'm1', 30_000)).toBe('claimed');
      expect(await b.claim(s, 'm1', 30_000)).toBe('busy');
      expect(await b.has(s, 'm1')).toBe(false);
      await a.add(s, 'm1');
      expect(await b.claim(s, 'm1', 30_000)).toBe('done');
      expect(await b.has(s, 'm1')).toBe(true);
      expect(await b.claim(`${s}-other`, 'm1', 30_000)).toBe('claimed'); // scopes are separate
    });

    it("release frees the id for another instance; another instance's release does nothing", async (ctx) => {
      const [a, b] = [open(ctx), open(ctx)];
      const s = scope();
      expect(await a.claim(s, 'm2', 30_000)).toBe('claimed');
      await b.release(s, 'm2');
      expect(await b.claim(s, 'm2', 30_000)).toBe('busy');
      await a.release(s, 'm2');
      expect(await b.claim(s, 'm2', 30_000)).toBe('claimed');
    });

    it('the claim of an instance that died lapses after its TTL', async (ctx) => {
      const [a, b] = [open(ctx), open(ctx)];
      const s = scope();
      // Both connected first: b's first round trip (a new connection, a table to ensure) once took
      // longer than a short TTL on a loaded machine, and found the claim already lapsed.
      await Promise.all([a.has(s, 'warm-up'), b.has(s, 'warm-up')]);
      expect(await a.claim(s, 'm3', 1_500)).toBe('claimed');
      expect(await b.claim(s, 'm3', 1_500)).toBe('busy');
      const deadline = Date.now() + 10_000;
      let found = await b.claim(s, 'm3', 30_000);
      while (found === 'busy' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        found = await b.claim(s, 'm3', 30_000);
      }
      expect(found).toBe('claimed');
    });

    it('of many instances racing for one id, exactly one wins', async (ctx) => {
      const stores = Array.from({ length: 4 }, () => open(ctx));
      const s = scope();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (stores[i % 4] as Required<IdempotencyStore>).claim(s, 'm4', 30_000)),
      );
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r === 'busy')).toHaveLength(39);
    });
  });
}
