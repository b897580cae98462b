import { adapterConfig, declaresItselfInPackageJson } from '@anymq/contract';
import { describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';

// The config users write for ZeroMQ is the same as before adapters were plug-ins: these are the
// cases core's own config tests held then.
const { resolve, refusal } = adapterConfig(adapter);

describe('the ZeroMQ adapter', () => {
  declaresItselfInPackageJson(adapter, new URL('../package.json', import.meta.url));

  it('reads zmq+tcp:// and zmq+ipc:// as the socket address, with options as query parameters', async () => {
    expect(await resolve('zmq+tcp://127.0.0.1:5555?mode=push-pull')).toEqual({
      backend: 'zeromq',
      address: 'tcp://127.0.0.1:5555',
      mode: 'push-pull',
    });
    expect(await resolve('zmq+ipc:///tmp/anymq.sock')).toEqual({ backend: 'zeromq', address: 'ipc:///tmp/anymq.sock' });
    expect(
      await resolve(undefined, { ANYMQ_URL: 'zmq+tcp://h:1', ANYMQ_HIGH_WATER_MARK: '10', ANYMQ_BIND: 'false' }),
    ).toEqual({
      backend: 'zeromq',
      address: 'tcp://h:1',
      highWaterMark: 10,
      bind: false,
    });
  });

  it('names a mode that does not exist', async () => {
    const error = await refusal('zmq+tcp://h:1?mode=fast');
    expect(error.field).toBe('mode');
  });
});
