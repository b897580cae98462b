import type { BackendConfig, Transport } from '@anymq/core';
import { ZmqBrokeredTransport } from './brokered-transport.js';
import { ZmqDirectTransport } from './direct-transport.js';

export { ZmqBrokeredTransport } from './brokered-transport.js';
export { ZmqDirectTransport } from './direct-transport.js';
export { ZmqProxy, type ProxyOptions } from './proxy.js';

/** Called by `connect('zmq+tcp://…')` or `connect({ backend: 'zeromq', address })`. */
export function createTransport(config: BackendConfig<'zeromq'>): Transport {
  const mode = config.mode ?? 'brokered';
  return mode === 'brokered' ? new ZmqBrokeredTransport(config) : new ZmqDirectTransport(config, mode);
}
