// The adapter seam is open: an adapter defined outside packages/ (fixtures/acme-adapter.ts) is
// found by connect, validated with its own schema, and passes the contract suite.
import { Inbox, runContractSuite } from '@anymq/contract';
import { type ConfigError, type Message, connect, registerAdapter, resolveConfig } from '@anymq/core';
import { memoryCapabilities } from '@anymq/memory';
import { describe, expect, it } from 'vitest';
import { acmeAdapter } from './fixtures/acme-adapter.ts';

describe('a third-party adapter', () => {
  runContractSuite(
    'acme-inproc (third-party adapter)',
    async () => {
      const { adapter, config } = await resolveConfig('acme://contract?capacity=10000', { adapters: [acmeAdapter] });
      return adapter.createTransport(config);
    },
    memoryCapabilities,
  );

  it('is found by its URL scheme when passed to connect, and by name once registered', async (ctx) => {
    const passed = await connect('acme://orders-app', { adapters: [acmeAdapter] });
    ctx.onTestFinished(() => passed.close());
    expect(passed.backend).toBe('acme-inproc');
    registerAdapter(acmeAdapter);
    const registered = await connect({ backend: 'acme-inproc', namespace: 'billing-app', capacity: 5 });
    ctx.onTestFinished(() => registered.close());
    const inbox = new Inbox<Message<string>>();
    await registered
      .queue<string>('orders')
      .consumer({ group: 'g' })
      .run((m) => inbox.push(m));
    await registered.queue<string>('orders').producer().send('hello');
    expect((await inbox.waitFor(1, 'the message', 5_000))[0]?.body).toBe('hello');
  });

  it("gets core's config errors from its own schema: the field, the fix, a near name", async () => {
    const refusal = (input: unknown) =>
      connect(input as never, { adapters: [acmeAdapter] }).then(
        () => expect.unreachable('the config was accepted'),
        (error: unknown) => error as ConfigError,
      );
    const missing = await refusal({ backend: 'acme-inproc' });
    expect(missing).toMatchObject({ code: 'CONFIG_INVALID', field: 'namespace' });
    expect(missing.message).toContain('"namespace" is required for the acme-inproc backend. Fix: add namespace');
    const typo = await refusal({ backend: 'acme-inproc', namespace: 'a', capacty: 3 });
    expect(typo.message).toContain('did you mean "capacity"');
    const invalid = await refusal('acme://Not_Valid');
    expect(invalid.field).toBe('namespace');
    expect(invalid.message).toContain('must be lower-case letters, digits and -');
    const env = await connect(undefined, {
      adapters: [acmeAdapter],
      env: { ANYMQ_BACKEND: 'acme-inproc', ANYMQ_NAMESPACE: 'from-env' },
    });
    await env.close();
    expect(env.backend).toBe('acme-inproc');
  });
});
