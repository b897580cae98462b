import type { Capabilities } from '@anymq/core';

/** Why a test does not apply to a transport, or undefined when it does. */
export type Requirement = (capabilities: Capabilities) => string | undefined;

/** Applies to every transport. */
export const always: Requirement = () => undefined;

/**
 * The name of a boolean capability.
 * @inline
 */
type Flag = {
  [K in keyof Capabilities]-?: NonNullable<Capabilities[K]> extends boolean ? K : never;
}[keyof Capabilities];

/** Applies when every named capability is declared. */
export const needs =
  (...flags: Flag[]): Requirement =>
  (capabilities) => {
    const missing = flags.filter((flag) => !capabilities[flag]);
    return missing.length === 0
      ? undefined
      : `the transport does not declare ${missing.map((f) => `"${f}"`).join(', ')}`;
  };

export const needsOrdering: Requirement = (capabilities) =>
  capabilities.ordering === 'none' ? 'the transport declares ordering "none"' : undefined;

export const needsMegabyte: Requirement = (capabilities) =>
  capabilities.maxMessageBytes !== undefined && capabilities.maxMessageBytes < 1_100_000
    ? `the transport's maxMessageBytes is ${capabilities.maxMessageBytes}`
    : undefined;

export const needsBinaryCloudEvents: Requirement = (capabilities) =>
  capabilities.cloudEventsHeaderPrefix === undefined
    ? 'the transport declares no CloudEvents binding for binary mode (cloudEventsHeaderPrefix)'
    : undefined;

export const needsSizeLimit: Requirement = (capabilities) =>
  capabilities.maxMessageBytes === undefined ? 'the transport declares no maxMessageBytes' : undefined;

export const needsPriorities: Requirement = (capabilities) =>
  capabilities.priorities ? undefined : 'the transport declares no priorities';

export const needsNoPriorities: Requirement = (capabilities) =>
  capabilities.priorities
    ? `the transport declares priorities up to ${capabilities.priorities.maxPriority}`
    : undefined;
