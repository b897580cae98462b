export { adapter } from './adapter.js';
export { zeromqOptions, type ZeromqConfig } from './config.js';
export { ZmqBrokeredTransport } from './brokered-transport.js';
export { ZmqDirectTransport } from './direct-transport.js';
export { ZmqProxy, type ProxyOptions } from './proxy.js';
