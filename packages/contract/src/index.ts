export { runContractSuite, type ContractOptions, type TransportFactory } from './suite.js';
export { Inbox, gate, within } from './inbox.js';
export { runIdempotencyStoreSuite, type IdempotencyStoreFactory } from './idempotency-store-suite.js';
export { serverReachable } from './reachable.js';
