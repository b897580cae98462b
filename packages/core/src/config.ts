import type { z } from 'zod';
import { closestName } from './closest-name.js';
import {
  type AnymqConfig,
  type Backend,
  backendSchema,
  backends,
  configSchema,
} from './config-schema.js';
import { ConfigError } from './errors.js';
import { redactUrl } from './redact.js';

/** What `connect` accepts: a config object, a URL string, or nothing (read the environment). */
export type ConfigInput = AnymqConfig | string | undefined;

/**
 * Resolves a config object, URL or the environment (`ANYMQ_URL` plus `ANYMQ_*` overrides) into a
 * validated config. Without any of them the backend is `memory`. Throws `ConfigError` naming the
 * field and the fix.
 */
export function resolveConfig(
  input?: ConfigInput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): AnymqConfig {
  if (typeof input === 'string') return validateConfig(parseConfigUrl(input));
  if (input !== undefined) return validateConfig(input);
  return validateConfig(configFromEnv(env));
}

/** Validates a config object with the one schema; never echoes secret values. */
export function validateConfig(input: unknown): AnymqConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(
      `config must be an object with a "backend" field, a URL, or nothing (to read ANYMQ_URL); got ${describe(input)}`,
      { field: 'config' },
    );
  }
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ConfigError('config is invalid', { field: 'config', cause: result.error });
  throw issueToError(issue, input as Record<string, unknown>, result.error);
}

function issueToError(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  cause: unknown,
): ConfigError {
  const backend = input.backend;
  const field = issue.path.map(String).join('.');
  if (issue.code === 'invalid_union' && field === 'backend') {
    const got = backend === undefined ? 'it is missing' : `got ${describe(backend)}`;
    return new ConfigError(
      `config field "backend" must be one of ${backends.join(', ')} (${got}). Fix: set backend, e.g. { backend: 'memory' }.`,
      { field: 'backend', cause },
    );
  }
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(backendSchema(backend as Backend).shape);
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

/**
 * Parses `memory://`, `amqp://…`/`amqps://…`, `kafka://host:port,host:port` or
 * `zmq+tcp://host:port` / `zmq+ipc://path`. Query parameters set options (`?partitions=3`).
 */
export function parseConfigUrl(url: string): Record<string, unknown> {
  const match = /^([a-z][a-z0-9+.-]*):(?:\/\/)?(.*)$/i.exec(url.trim());
  if (!match) {
    throw new ConfigError(
      `config URL "${redactUrl(url)}" has no scheme. Fix: start it with memory://, amqp://, amqps://, kafka:// or zmq+tcp://.`,
      { field: 'url' },
    );
  }
  const scheme = (match[1] ?? '').toLowerCase();
  const [rest = '', query = ''] = (match[2] ?? '').split('?', 2);
  switch (scheme) {
    case 'memory':
      return withQuery({ backend: 'memory' }, query);
    case 'amqp':
    case 'amqps':
      return { backend: 'rabbitmq', url: url.trim() };
    case 'kafka': {
      if (rest.includes('@')) {
        throw new ConfigError(
          'config URL for kafka must not carry credentials. Fix: pass them as sasl: { mechanism, username, password } in the config object, or ANYMQ_SASL as JSON.',
          { field: 'url' },
        );
      }
      const brokers = rest.replace(/\/+$/, '').split(',').filter(Boolean);
      return withQuery({ backend: 'kafka', brokers }, query);
    }
    case 'zmq+tcp':
    case 'zmq+ipc':
      return withQuery({ backend: 'zeromq', address: `${scheme.slice(4)}://${rest}` }, query);
    default:
      throw new ConfigError(
        `config URL scheme "${scheme}:" is not supported. Fix: use memory://, amqp://, amqps://, kafka:// or zmq+tcp://.`,
        { field: 'url' },
      );
  }
}

function withQuery(config: Record<string, unknown>, query: string): Record<string, unknown> {
  const backend = config.backend as Backend;
  for (const [key, raw] of new URLSearchParams(query)) {
    if (key.trim() === '') {
      throw new ConfigError(`config URL has a query parameter without a name ("=${raw}"). Fix: write ?option=value.`, { field: 'url' });
    }
    // defineProperty: a key named __proto__ becomes an own (unknown, refused) option, not the prototype.
    Object.defineProperty(config, key, { value: coerceOption(backend, key, raw), enumerable: true, writable: true, configurable: true });
  }
  return config;
}

/**
 * Reads `ANYMQ_URL` (or `ANYMQ_BACKEND`) and then `ANYMQ_<OPTION>` overrides for the options of the
 * chosen backend, e.g. `ANYMQ_PARTITIONS=3` or `ANYMQ_BROKERS=a:9092,b:9092`. An override that
 * belongs to another backend is an error; other `ANYMQ_*` variables are left to other tools.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const url = env.ANYMQ_URL;
  const config: Record<string, unknown> = url ? parseConfigUrl(url) : {};
  if (env.ANYMQ_BACKEND) config.backend = env.ANYMQ_BACKEND;
  config.backend ??= 'memory';
  const backend = config.backend as Backend;
  if (!backends.includes(backend)) return config; // validateConfig names the field
  const own = new Set(Object.keys(backendSchema(backend).shape));
  const others = new Map<string, Backend>();
  for (const other of backends) {
    for (const key of Object.keys(backendSchema(other).shape)) others.set(key, other);
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('ANYMQ_') || raw === undefined || name === 'ANYMQ_URL') continue;
    const key = envNameToKey(name);
    if (key === 'backend') continue;
    if (own.has(key)) {
      // defineProperty: a key named __proto__ becomes an own (unknown, refused) option, not the prototype.
    Object.defineProperty(config, key, { value: coerceOption(backend, key, raw), enumerable: true, writable: true, configurable: true });
    } else if (others.has(key)) {
      throw new ConfigError(
        `environment variable ${name} sets "${key}", an option of the ${String(others.get(key))} backend, but the backend is ${backend}. Fix: unset ${name} or change ANYMQ_URL.`,
        { field: name },
      );
    }
  }
  return config;
}

function envNameToKey(name: string): string {
  return name
    .slice('ANYMQ_'.length)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Turns a string from a URL or the environment into the type the option's schema expects. */
function coerceOption(backend: Backend, key: string, raw: string): unknown {
  const schema = backendSchema(backend);
  // Own keys only: `?__proto__` or `?constructor` must be "not an option", not Object's prototype.
  const shape = schema.shape as Record<string, z.core.$ZodType>;
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
      return raw.split(',').map((item) => item.trim()).filter(Boolean);
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
