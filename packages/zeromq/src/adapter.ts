import { defineAdapter } from '@anymq/core/transport';
import type { z } from 'zod';
import { zeromqOptions } from './config.js';
import { ZmqBrokeredTransport } from './brokered-transport.js';
import { ZmqDirectTransport } from './direct-transport.js';

/** The zeromq backend's plug-in, found by `connect('zmq+tcp://…')` or `connect({ backend: 'zeromq', address })`. */
export const adapter = defineAdapter({
  backend: 'zeromq',
  packageName: '@anymq/zeromq',
  schemes: ['zmq+tcp', 'zmq+ipc'],
  options: zeromqOptions,
  // zmq+tcp://host:port is the socket address tcp://host:port.
  fromUrl: (url) => ({ address: `${url.scheme.slice('zmq+'.length)}://${url.rest}`, ...url.queryOptions() }),
  createTransport(config) {
    const mode = config.mode ?? 'brokered';
    return mode === 'brokered' ? new ZmqBrokeredTransport(config) : new ZmqDirectTransport(config, mode);
  },
});

declare module '@anymq/core/transport' {
  interface AdapterConfigs {
    zeromq: z.input<typeof zeromqOptions>;
  }
}
