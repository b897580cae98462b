#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ZmqProxy } from './proxy.js';

const usage = `Usage: anymq-zmq-proxy [--address tcp://127.0.0.1:5555] [--heartbeat-timeout 3000] [--capacity N]

Runs the anymq ZeroMQ proxy: queues, consumer groups, acks, redelivery, retries with delay and
dead-letter queues for clients in brokered mode (zmq+tcp://host:port). Messages live in memory:
nothing survives a restart of the proxy. Stops on SIGINT or SIGTERM.`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      address: { type: 'string', default: 'tcp://127.0.0.1:5555' },
      'heartbeat-timeout': { type: 'string', default: '3000' },
      capacity: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`anymq-zmq-proxy: ${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const heartbeatTimeoutMs = Number(values['heartbeat-timeout']);
const capacity = values.capacity === undefined ? undefined : Number(values.capacity);
if (
  !Number.isInteger(heartbeatTimeoutMs) ||
  heartbeatTimeoutMs <= 0 ||
  (capacity !== undefined && !(Number.isInteger(capacity) && capacity > 0))
) {
  console.error(`anymq-zmq-proxy: --heartbeat-timeout and --capacity take whole numbers above 0.\n\n${usage}`);
  process.exit(2);
}
const proxy = new ZmqProxy({
  address: values.address,
  heartbeatTimeoutMs,
  ...(capacity === undefined ? {} : { capacity }),
});
try {
  await proxy.start();
} catch (error) {
  console.error(`anymq-zmq-proxy: cannot bind ${values.address}: ${(error as Error).message}`);
  process.exit(1);
}
const stop = async () => {
  await proxy.close();
  process.exit(0);
};
// Hooked before announcing readiness: until a listener exists, a signal kills outright.
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
console.log(`anymq-zmq-proxy listening on ${proxy.endpoint}`);
