// Against a real Redis: ANYMQ_REDIS_URL, else the one that runs on every machine of this kind.
import { runIdempotencyStoreSuite, serverReachable } from '@anymq/contract';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

const url = process.env.ANYMQ_REDIS_URL ?? 'redis://127.0.0.1:6379';
const reachable = await serverReachable(url, 6379);

runIdempotencyStoreSuite(
  'redis',
  () => {
    const store = new RedisIdempotencyStore({ url, prefix: 'anymq-test:idem:' });
    return { store, close: () => store.close() };
  },
  reachable ? {} : { skip: `no Redis at ${url}; start one or set ANYMQ_REDIS_URL` },
);
