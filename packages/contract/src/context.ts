import { randomUUID } from 'node:crypto';
import { type Capabilities, type Client, type Observer, connect } from '@anymq/core';
import type { Transport } from '@anymq/core/transport';
import { it, type TestContext } from 'vitest';
import type { Requirement } from './requirements.js';

/** Makes a new transport for each client a test opens. */
export type TransportFactory = () => Transport | Promise<Transport>;

/** What the harness can do to the broker, for the parts that need it (reconnect). */
export interface BrokerControl {
  /** Restarts the broker; resolves once it accepts connections again. */
  restart?(): Promise<void>;
}

/** What every part of the suite, and an adapter's own extra tests, register their tests with. */
export interface ContractContext {
  readonly factory: TransportFactory;
  readonly capabilities: Capabilities;
  /** Longest bounded wait for one expectation, in ms. */
  readonly T: number;
  readonly broker: BrokerControl | undefined;
  /** Registers a test that is skipped, with the reason by name, when `requirement` says so. */
  test(title: string, requirement: Requirement, body: (ctx: TestContext) => Promise<void>): void;
  /** A client on a fresh transport, closed when the test finishes. */
  client(ctx: TestContext, observer?: Observer): Promise<Client>;
  /** A queue name no other test uses. */
  fresh(label: string): string;
}

/** The context the suite's parts register with; `T` is the longest bounded wait, in ms. */
export function contractContext(
  factory: TransportFactory,
  capabilities: Capabilities,
  T: number,
  broker: BrokerControl | undefined,
): ContractContext {
  return {
    factory,
    capabilities,
    T,
    broker,
    test(title, requirement, body) {
      const reason = requirement(capabilities);
      it(title, { timeout: T * 4 }, async (ctx) => {
        if (reason) {
          ctx.skip(`not applicable: ${reason}`);
          return;
        }
        await body(ctx);
      });
    },
    async client(ctx, observer) {
      const mq = await connect(await factory(), observer ? { observer } : {});
      ctx.onTestFinished(() => mq.close());
      return mq;
    },
    fresh: (label) => `contract-${label}-${randomUUID().slice(0, 8)}`,
  };
}
