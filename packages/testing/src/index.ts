export { startBroker } from './start-broker.js';
export { type Broker, BrokerError, type BrokerKind, brokerKinds, type StartBrokerOptions } from './broker.js';
export { memoryWithFakeClock, type FakeClock } from './fake-clock.js';
export { Inbox, gate, within } from './inbox.js';
export { deadLetterInbox } from './dead-letters.js';
export { freePort } from './free-port.js';
