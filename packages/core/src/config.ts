import type { z } from 'zod';
import type { Adapter, AdapterUrl, AnymqConfig } from './adapter.js';
import { type AdapterSource, adapterByName, adapterByScheme, knownAdapters } from './adapter-loader.js';
import { closestName } from './closest-name.js';
import { ConfigError } from './errors.js';
import { redactUrl } from './redact.js';

/** What `connect` accepts: a config object, a URL string, or nothing (read the environment). */
export type ConfigInput = AnymqConfig | string | undefined;

/** The backend used when nothing is configured: in-process, no broker. */
const DEFAULT_BACKEND = 'memory';

/** Where `resolveConfig` finds adapters and environment variables. */
export interface ResolveOptions extends AdapterSource {
  /** Where `ANYMQ_URL` and `ANYMQ_*` are read when no config is given. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** A validated config and the adapter it is for. */
export interface ResolvedConfig {
  readonly adapter: Adapter;
  readonly config: { backend: string } & Record<string, unknown>;
}

/**
 * Resolves a config object, URL or the environment (`ANYMQ_URL` plus `ANYMQ_*` overrides) into a
 * validated config and its adapter. Without any of them the backend is `memory`. Throws
 * `ConfigError` naming the field and the fix.
 */
export async function resolveConfig(input?: ConfigInput, options: ResolveOptions = {}): Promise<ResolvedConfig> {
  if (typeof input === 'string') {
    const { adapter, config } = await configFromUrl(input, options);
    return { adapter, config: validateConfig(config, adapter) };
  }
  if (input !== undefined) {
    const adapter = await adapterByName(backendOf(input), options);
    return { adapter, config: validateConfig(input, adapter) };
  }
  const { adapter, config } = await configFromEnv(options.env ?? process.env, options);
  return { adapter, config: validateConfig(config, adapter) };
}

/** The `backend` of a config object, or a ConfigError that says what a config is. */
function backendOf(input: unknown): string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(
      `config must be an object with a "backend" field, a URL, or nothing (to read ANYMQ_URL); got ${describe(input)}`,
      { field: 'config' },
    );
  }
  const { backend } = input as { backend?: unknown };
  if (typeof backend !== 'string' || backend === '') {
    const got = backend === undefined ? 'it is missing' : `got ${describe(backend)}`;
    throw new ConfigError(
      `config field "backend" must name an adapter, e.g. "${DEFAULT_BACKEND}" (${got}). Fix: set backend, e.g. { backend: '${DEFAULT_BACKEND}' }.`,
      { field: 'backend' },
    );
  }
  return backend;
}

/** Validates a config object with its adapter's schema; never echoes secret values. */
export function validateConfig(input: unknown, adapter: Adapter): { backend: string } & Record<string, unknown> {
  const backend = backendOf(input);
  if (backend !== adapter.backend) {
    throw new ConfigError(
      `config field "backend" is "${backend}", but the adapter given is for "${adapter.backend}". Fix: pass the ${backend} adapter.`,
      {
        field: 'backend',
      },
    );
  }
  const { backend: _, ...options } = input as Record<string, unknown>;
  const result = adapter.options.safeParse(options);
  if (result.success) return { backend, ...(result.data as Record<string, unknown>) };
  const issue = result.error.issues[0];
  if (!issue) throw new ConfigError('config is invalid', { field: 'config', cause: result.error });
  throw issueToError(issue, input as Record<string, unknown>, adapter, result.error);
}

function issueToError(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  adapter: Adapter,
  cause: unknown,
): ConfigError {
  const backend = adapter.backend;
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const allowed = ['backend', ...Object.keys(adapter.options.shape)];
    const key = issue.keys[0] ?? '';
    const path = [...issue.path.map(String), key].join('.');
    const guess = closestName(key, allowed);
    const hint = guess ? `did you mean "${guess}"? ` : '';
    return new ConfigError(
      `config field "${path}" is not an option of the ${String(backend)} backend. Fix: remove it; ${hint}allowed: ${allowed.join(', ')}.`,
      { field: path, cause },
    );
  }
  // zod does not report the input it refused: look the value up, so that a present value of the
  // wrong type is not called missing.
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return new ConfigError(
      `config field "${field}" is required for the ${String(backend)} backend. Fix: add ${field} (${issue.expected}).`,
      { field, cause },
    );
  }
  return new ConfigError(
    `config field "${field}" is invalid: ${issue.message}. Fix: correct ${field} in the ${String(backend)} config.`,
    { field, cause },
  );
}

function valueAt(input: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The scheme of a config URL, lower case, or a ConfigError naming the schemes this process can read. */
function schemeOf(url: string, source: AdapterSource): { scheme: string; rest: string; query: string } {
  const match = /^([a-z][a-z0-9+.-]*):(?:\/\/)?(.*)$/i.exec(url.trim());
  if (!match) {
    throw new ConfigError(`config URL "${redactUrl(url)}" has no scheme. Fix: start it with ${schemeList(source)}.`, {
      field: 'url',
    });
  }
  const [rest = '', query = ''] = (match[2] ?? '').split('?', 2);
  return { scheme: (match[1] ?? '').toLowerCase(), rest, query };
}

function schemeList(source: AdapterSource): string {
  const schemes = knownAdapters(source).flatMap((a) => a.schemes.map((s) => `${s}://`));
  return schemes.length > 0 ? `one of ${schemes.join(', ')}` : 'the scheme of an installed adapter';
}

/**
 * Turns a URL into a config through the adapter of its scheme (`amqp://…` → the adapter that
 * declares `amqp`). Query parameters are the adapter's to read, typed by its schema.
 */
export async function configFromUrl(
  url: string,
  source: AdapterSource = {},
): Promise<{ adapter: Adapter; config: Record<string, unknown> }> {
  const { scheme, rest, query } = schemeOf(url, source);
  const adapter = await adapterByScheme(scheme, source);
  if (!adapter) {
    throw new ConfigError(
      `config URL scheme "${scheme}:" is not read by any installed adapter. Fix: use ${schemeList(source)}, install the adapter for ${scheme}://, or pass it as connect(url, { adapters: [adapter] }).`,
      { field: 'url' },
    );
  }
  const parts: AdapterUrl = { href: url.trim(), scheme, rest, queryOptions: () => queryOptions(adapter, query) };
  return { adapter, config: { ...adapter.fromUrl(parts), backend: adapter.backend } };
}

function queryOptions(adapter: Adapter, query: string): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, raw] of new URLSearchParams(query)) {
    if (key.trim() === '') {
      throw new ConfigError(`config URL has a query parameter without a name ("=${raw}"). Fix: write ?option=value.`, {
        field: 'url',
      });
    }
    // defineProperty: a key named __proto__ becomes an own (unknown, refused) option, not the prototype.
    Object.defineProperty(options, key, {
      value: coerceOption(adapter, key, raw),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return options;
}

/**
 * Reads `ANYMQ_URL` (or `ANYMQ_BACKEND`) and then `ANYMQ_<OPTION>` overrides for the options of the
 * chosen backend, named after the option in upper snake case (`ANYMQ_CONNECT_TIMEOUT_MS=2000`), typed
 * by the adapter's schema (numbers, booleans, comma lists, JSON objects). An override that
 * belongs to another known backend is an error; other `ANYMQ_*` variables are left to other tools.
 */
export async function configFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  source: AdapterSource = {},
): Promise<{ adapter: Adapter; config: Record<string, unknown> }> {
  const url = env.ANYMQ_URL;
  const fromUrl = url ? await configFromUrl(url, source) : undefined;
  const config = fromUrl?.config ?? {};
  let adapter = fromUrl?.adapter;
  const backend = env.ANYMQ_BACKEND || (config.backend as string | undefined) || DEFAULT_BACKEND;
  config.backend = backend;
  if (adapter?.backend !== backend) adapter = await adapterByName(backendOf(config), source);
  const own = new Set(Object.keys(adapter.options.shape));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('ANYMQ_') || raw === undefined || name === 'ANYMQ_URL' || name === 'ANYMQ_BACKEND') continue;
    const key = envNameToKey(name);
    if (own.has(key)) {
      // defineProperty: a key named __proto__ becomes an own (unknown, refused) option, not the prototype.
      Object.defineProperty(config, key, {
        value: coerceOption(adapter, key, raw),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    const other = await ownerOf(key, adapter.backend, source);
    if (other) {
      throw new ConfigError(
        `environment variable ${name} sets "${key}", an option of the ${other} backend, but the backend is ${backend}. Fix: unset ${name} or change ANYMQ_URL.`,
        { field: name },
      );
    }
  }
  return { adapter, config };
}

/** The other known backend that has option `key`, if one does (a likely mistake rather than another tool's variable). */
async function ownerOf(key: string, backend: string, source: AdapterSource): Promise<string | undefined> {
  for (const { backend: other } of knownAdapters(source)) {
    if (other === backend) continue;
    const adapter = await adapterByName(other, source).catch(() => undefined);
    if (adapter && Object.hasOwn(adapter.options.shape, key)) return other;
  }
  return undefined;
}

function envNameToKey(name: string): string {
  return name
    .slice('ANYMQ_'.length)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Turns a string from a URL or the environment into the type the option's schema expects. */
function coerceOption(adapter: Adapter, key: string, raw: string): unknown {
  // Own keys only: `?__proto__` or `?constructor` must be "not an option", not Object's prototype.
  const shape = adapter.options.shape as Record<string, z.core.$ZodType>;
  let field: z.core.$ZodType | undefined = Object.hasOwn(shape, key) ? shape[key] : undefined;
  while (field && field._zod.def.type === 'optional') {
    field = (field._zod.def as z.core.$ZodOptionalDef).innerType;
  }
  switch (field?._zod.def.type) {
    case 'number': {
      const number = Number(raw);
      return raw.trim() !== '' && Number.isFinite(number) ? number : raw;
    }
    case 'boolean':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'array':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'object':
    case 'record':
    case 'union':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw === 'true' ? true : raw === 'false' ? false : raw;
      }
    default:
      return raw;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${redactUrl(value)}"`;
  return typeof value;
}
