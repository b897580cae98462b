import type { z } from 'zod';
import type { Transport } from './transport.js';

/**
 * A backend's plug-in: everything core needs to configure and create its transport. An adapter
 * package exports one as `adapter`; `connect` finds it by backend name (`@anymq/<backend>`) or URL
 * scheme, or takes it from `connect(config, { adapters })` or `registerAdapter`. Core validates the
 * config with `options` and reports errors the same way for every adapter, this repository's or not.
 */
export interface Adapter<Config extends { backend: string } = { backend: string }> {
  /** The `backend` value that selects it, e.g. `rabbitmq`: lower-case letters, digits and `-`. */
  readonly backend: string;
  /** The npm package it ships in, for messages that say what to install. */
  readonly packageName: string;
  /** URL schemes it reads, lower case without `:` (`amqp`, `zmq+tcp`). May be empty. */
  readonly schemes: readonly string[];
  /** Its options, without `backend`: a strict zod object. Env overrides and URL queries are typed by it. */
  readonly options: z.ZodObject;
  /** The options a URL of one of its schemes stands for. `url.queryOptions()` reads `?name=value`. */
  fromUrl(url: AdapterUrl): Record<string, unknown>;
  /** A transport for a config that `options` accepted. */
  createTransport(config: Config): Transport;
}

/** A config URL, split for `Adapter.fromUrl`. */
export interface AdapterUrl {
  /** The URL as given, trimmed. */
  readonly href: string;
  /** The scheme, lower case, without `:`. */
  readonly scheme: string;
  /** Between `scheme://` and `?`. */
  readonly rest: string;
  /** The query parameters as options, each coerced to the type its option's schema expects. */
  queryOptions(): Record<string, unknown>;
}

/**
 * Each adapter package adds its config type here, so that `connect({ backend: … })` is typed for
 * the adapters a program imports:
 * `declare module '@anymq/core/transport' { interface AdapterConfigs { nats: NatsOptions } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface AdapterConfigs {}

/**
 * One config shape per registered backend.
 * @inline
 */
type KnownConfig = { [B in keyof AdapterConfigs]: { backend: B } & AdapterConfigs[B] }[keyof AdapterConfigs];

/** A config object: typed per backend for adapters whose types are in the program, else loose. */
export type AnymqConfig = [KnownConfig] extends [never] ? { backend: string; [option: string]: unknown } : KnownConfig;

/** The config of one backend, by name. */
export type BackendConfig<B extends keyof AdapterConfigs> = { backend: B } & AdapterConfigs[B];

/** Declares an adapter with its config typed by its own schema. */
export function defineAdapter<const B extends string, S extends z.ZodObject>(adapter: {
  backend: B;
  packageName: string;
  schemes: readonly string[];
  options: S;
  fromUrl(url: AdapterUrl): Record<string, unknown>;
  createTransport(config: { backend: B } & z.output<S>): Transport;
}): Adapter<{ backend: B } & z.output<S>> {
  return adapter;
}
