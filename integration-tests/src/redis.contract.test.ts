import { runContractSuite } from '@anymq/contract';
import { RedisTransport } from '@anymq/redis';
import { describe, inject } from 'vitest';
import { redisCapabilities } from './expected-capabilities.ts';
import { redisConfig } from './redis-config.ts';

// claimTimeoutMs 5 s: what a member that vanished leaves unsettled comes back within a test's wait.
// The reconnect part needs a server it may restart: faults/contract-reconnect.test.ts runs it.
describe.runIf(inject('backends').includes('redis'))('redis', () => {
  runContractSuite(
    'redis',
    () => new RedisTransport({ ...redisConfig(inject('redisUrl')), claimTimeoutMs: 5_000 }),
    redisCapabilities(!process.env.ANYMQ_REDIS_URL),
    { timeoutMs: 15_000 },
  );
});
