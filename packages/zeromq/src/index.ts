import type { BackendConfig, Transport } from '@anymq/core';
import { ZmqBrokeredTransport } from './brokered-transport.js';

export { ZmqBrokeredTransport } from './brokered-transport.js';
export { ZmqProxy, type ProxyOptions } from './proxy.js';

/** Called by `connect('zmq+tcp://…')` or `connect({ backend: 'zeromq', address })`. */
export function createTransport(config: BackendConfig<'zeromq'>): Transport {
  switch (config.mode ?? 'brokered') {
    case 'brokered':
      return new ZmqBrokeredTransport(config);
    default:
      throw new Error(`mode ${config.mode} is not implemented yet`);
  }
}
