import { type Adapter, type ConfigError, resolveConfig } from '@anymq/core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/** What `adapterConfig` returns. */
export interface AdapterConfigHelpers {
  /** The validated config of `input` (an object or a URL), with `env` as the environment. */
  resolve(input: unknown, env?: Record<string, string>): Promise<{ backend: string } & Record<string, unknown>>;
  /** The `ConfigError` that `input` is refused with; fails the test when it is accepted. */
  refusal(input: unknown, env?: Record<string, string>): Promise<ConfigError>;
}

/** Config helpers for an adapter's own tests: resolve with only this adapter, or expect a ConfigError. */
export function adapterConfig(adapter: Adapter): AdapterConfigHelpers {
  const resolve = async (input: unknown, env: Record<string, string> = {}) =>
    (await resolveConfig(input as never, { adapters: [adapter], env })).config;
  const refusal = (input: unknown, env?: Record<string, string>) =>
    resolve(input, env).then(
      () => expect.unreachable('the config was accepted'),
      (error: unknown) => error as ConfigError,
    );
  return { resolve, refusal };
}

/**
 * Registers the test that an adapter package declares itself in its package.json
 * (`"anymq": { "backend", "schemes" }`) as its adapter does, which is where `connect` finds it by
 * URL scheme.
 */
export function declaresItselfInPackageJson(adapter: Adapter, packageJson: URL): void {
  it('declares its backend and URL schemes in package.json too, where connect finds it by scheme', () => {
    const { anymq } = JSON.parse(readFileSync(packageJson, 'utf8')) as { anymq: unknown };
    expect(anymq).toEqual({ backend: adapter.backend, schemes: adapter.schemes });
  });
}
