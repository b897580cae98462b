export { runContractSuite, type ContractOptions, type TransportFactory } from './suite.js';
export { Inbox, gate, within } from './inbox.js';
