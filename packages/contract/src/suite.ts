import type { Capabilities } from '@anymq/core';
import { describe } from 'vitest';
import { type BrokerControl, type ContractContext, type TransportFactory, contractContext } from './context.js';
import { batchTests } from './parts/batches.js';
import { bodyTests } from './parts/bodies.js';
import { deliveryTests } from './parts/delivery.js';
import { groupTests } from './parts/groups.js';
import { inspectionTests } from './parts/inspection.js';
import { lifecycleTests } from './parts/lifecycle.js';
import { orderingTests } from './parts/ordering.js';
import { reconnectTests } from './parts/reconnect.js';
import { requestTests } from './parts/requests.js';
import { retryTests } from './parts/retries.js';

/** The suite's parts, by name; each registers its tests with a `ContractContext`. */
export const contractParts = {
  /** Sends arrive once with id, key and headers; delays, concurrency, idempotency, close of producers. */
  delivery: deliveryTests,
  /** Every group gets every message; members of one group share them. */
  groups: groupTests,
  /** Retries with backoff, dead-lettering, handler timeouts, and crashes counted as attempts. */
  retries: retryTests,
  /** Codecs, schemas, CloudEvents, size limits and undecodable bodies. */
  bodies: bodyTests,
  /** Close and drain, hand-backs, abort signals, errors after close, restart of the transport. */
  lifecycle: lifecycleTests,
  /** Order per key (or per queue) where the transport declares it. */
  ordering: orderingTests,
  /** Nothing confirmed is lost when the broker restarts (needs `broker.restart`). */
  reconnect: reconnectTests,
  /** `inspect()` and `health()` tell what the broker holds. */
  inspection: inspectionTests,
  /** `queue.request`: the handler's return value comes back; failures and timeouts are typed; nothing leaks. */
  requests: requestTests,
  /** `consumer.runBatch`: batches of at most maxMessages; every message settled on its own. */
  batches: batchTests,
} as const;

/** The name of one part of the suite. */
export type ContractPart = keyof typeof contractParts;

/** How `runContractSuite` runs: which parts, how many rounds, how long it waits. */
export interface ContractOptions {
  /** Longest bounded wait for one expectation. Default 10 s. */
  timeoutMs?: number;
  /** Runs of the whole suite, in parallel on fresh queues. Default: `ANYMQ_CONTRACT_STRESS` or 1. */
  rounds?: number;
  /** The parts to run. Default: all of them. */
  parts?: readonly ContractPart[];
  /** The adapter's own tests, registered beside the parts with the same context (`test`, `client`, …). */
  extraTests?: (context: ContractContext) => void;
  /** What the harness can do to the broker; without it the reconnect part is skipped by name. */
  broker?: BrokerControl;
}

/**
 * Registers the behavioural tests of the anymq contract for one transport, part by part. A test
 * whose capability the transport does not declare is reported as skipped with the reason, by name.
 */
export function runContractSuite(
  name: string,
  factory: TransportFactory,
  capabilities: Capabilities,
  options: ContractOptions = {},
): void {
  const T = options.timeoutMs ?? 10_000;
  const rounds = options.rounds ?? Number(process.env.ANYMQ_CONTRACT_STRESS ?? 1);
  const parts = options.parts ?? (Object.keys(contractParts) as ContractPart[]);
  for (const part of parts) {
    if (!Object.hasOwn(contractParts, part)) {
      throw new Error(
        `runContractSuite: no part "${String(part)}"; the parts are ${Object.keys(contractParts).join(', ')}.`,
      );
    }
  }
  for (let round = 1; round <= rounds; round++) {
    const title = rounds > 1 ? `${name} contract (round ${round} of ${rounds})` : `${name} contract`;
    (rounds > 1 ? describe.concurrent : describe)(title, () => {
      const context = contractContext(factory, capabilities, T, options.broker);
      for (const part of parts) describe(part, () => contractParts[part](context));
      if (options.extraTests) describe('adapter tests', () => options.extraTests?.(context));
    });
  }
}
