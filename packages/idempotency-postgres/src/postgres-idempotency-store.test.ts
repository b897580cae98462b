// Against a real PostgreSQL: ANYMQ_POSTGRES_URL, else the one that runs on every machine of this kind.
import { runIdempotencyStoreSuite, serverReachable } from '@anymq/contract';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.js';

const connectionString = process.env.ANYMQ_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const reachable = await serverReachable(connectionString, 5432);

runIdempotencyStoreSuite(
  'postgres',
  () => {
    const store = new PostgresIdempotencyStore({ connectionString, table: 'anymq_idempotency_test' });
    return { store, close: () => store.close() };
  },
  reachable
    ? {}
    : {
        skip: `no PostgreSQL at ${connectionString.replace(/:[^:@/]*@/, ':***@')}; start one or set ANYMQ_POSTGRES_URL`,
      },
);
