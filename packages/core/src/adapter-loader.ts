import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Adapter } from './adapter.js';
import { closestName } from './closest-name.js';
import { ConfigError } from './errors.js';

/** Where adapters come from besides the registry: the ones passed to `connect`, and how to import. */
export interface AdapterSource {
  readonly adapters?: readonly Adapter[] | undefined;
  /** Imports a package by name; tests replace it. */
  readonly importModule?: ((specifier: string) => Promise<unknown>) | undefined;
}

const registered = new Map<string, Adapter>();

/**
 * Makes an adapter known to `connect` in this process, by its backend name and URL schemes: for
 * an adapter that is not an `@anymq/*` package (`@acme/anymq-sqs`), or to replace one.
 */
export function registerAdapter(adapter: Adapter): void {
  checkAdapter(adapter, 'registerAdapter()');
  registered.set(adapter.backend, adapter);
}

/** The npm package that holds a backend's adapter when nobody passed or registered one. */
export function adapterPackage(backend: string): string {
  return `@anymq/${backend}`;
}

/** The adapter whose backend is `backend`: passed, registered, or imported from `@anymq/<backend>`. */
export async function adapterByName(backend: string, source: AdapterSource = {}): Promise<Adapter> {
  const known = source.adapters?.find((a) => a.backend === backend) ?? registered.get(backend);
  if (known) return known;
  const name = adapterPackage(backend);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(backend)) throw unknownBackend(backend, source);
  let module: unknown;
  try {
    module = await (source.importModule ?? importFromApplication)(name);
  } catch (error) {
    if (isMissingPackage(error, name)) throw unknownBackend(backend, source, error);
    throw error;
  }
  const adapter = (module as { adapter?: Adapter } | null)?.adapter;
  checkAdapter(adapter, `package ${name}`, backend);
  registered.set(backend, adapter);
  return adapter;
}

/** The adapter that reads URLs of `scheme`: passed, registered, or an installed `@anymq/*` package that declares it. */
export async function adapterByScheme(scheme: string, source: AdapterSource = {}): Promise<Adapter | undefined> {
  const reads = (adapter: Adapter) => adapter.schemes.includes(scheme);
  const known = source.adapters?.find(reads) ?? [...registered.values()].find(reads);
  if (known) return known;
  const installed = installedAdapters().find((a) => a.schemes.includes(scheme));
  return installed && adapterByName(installed.backend, source);
}

/** Every adapter this process can name: passed, registered and installed. For messages and cross-checks. */
export function knownAdapters(source: AdapterSource = {}): { backend: string; schemes: readonly string[] }[] {
  const all = new Map<string, { backend: string; schemes: readonly string[] }>();
  for (const adapter of [...installedAdapters(), ...registered.values(), ...(source.adapters ?? [])]) {
    all.set(adapter.backend, { backend: adapter.backend, schemes: adapter.schemes });
  }
  return [...all.values()];
}

function unknownBackend(backend: string, source: AdapterSource, cause?: unknown): ConfigError {
  const names = knownAdapters(source).map((a) => a.backend);
  const guess = closestName(backend, names);
  const hint = `${guess ? `Did you mean "${guess}"? ` : ''}${names.length > 0 ? `Installed: ${names.join(', ')}. ` : ''}`;
  return new ConfigError(
    `backend "${backend}" needs the package ${adapterPackage(backend)}, which is not installed. ${hint}Fix: npm install ${adapterPackage(backend)}, or pass a third-party adapter as connect(config, { adapters: [adapter] }).`,
    { field: 'backend', code: 'ADAPTER_NOT_INSTALLED', ...(cause === undefined ? {} : { cause }) },
  );
}

function checkAdapter(adapter: unknown, from: string, backend?: string): asserts adapter is Adapter {
  const a = adapter as Partial<Adapter> | undefined;
  const problem =
    typeof a?.backend !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(a.backend)
      ? 'no backend name (lower-case letters, digits and -)'
      : backend !== undefined && a.backend !== backend
        ? `backend "${a.backend}", not "${backend}"`
        : !Array.isArray(a.schemes)
          ? 'no schemes array'
          : typeof a.options?.safeParse !== 'function' || typeof a.options.shape !== 'object'
            ? 'no zod object of options'
            : typeof a.fromUrl !== 'function' || typeof a.createTransport !== 'function'
              ? 'no fromUrl and createTransport functions'
              : undefined;
  if (problem) {
    throw new ConfigError(
      `${from} does not give an anymq adapter: it has ${problem}. Fix: use a version that matches @anymq/core.`,
      {
        field: 'backend',
        code: 'ADAPTER_NOT_INSTALLED',
      },
    );
  }
}

let installed: { backend: string; schemes: readonly string[] }[] | undefined;

/** The installed adapters, looked up once per process (what is installed does not change while it runs). */
function installedAdapters(): { backend: string; schemes: readonly string[] }[] {
  installed ??= findInstalledAdapters();
  return installed;
}

/**
 * The `@anymq/*` packages installed where the application or core can see them that declare an
 * adapter in their package.json (`"anymq": { "backend", "schemes" }`), so that a URL scheme finds
 * its package without importing every adapter.
 */
function findInstalledAdapters(): { backend: string; schemes: readonly string[] }[] {
  const found = new Map<string, { backend: string; schemes: readonly string[] }>();
  const declare = (manifestPath: string) => {
    try {
      const { anymq } = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        anymq?: { backend?: unknown; schemes?: unknown };
      };
      if (typeof anymq?.backend === 'string' && Array.isArray(anymq.schemes) && !found.has(anymq.backend)) {
        found.set(anymq.backend, {
          backend: anymq.backend,
          schemes: anymq.schemes.filter((s): s is string => typeof s === 'string'),
        });
      }
    } catch {
      // not a package, or not one of ours
    }
  };
  for (const base of resolutionBases()) {
    for (let dir = base; ; dir = dirname(dir)) {
      const scope = join(dir, 'node_modules', '@anymq');
      let names: string[] = [];
      try {
        names = readdirSync(scope);
      } catch {
        // no @anymq packages here
      }
      for (const name of names) declare(join(scope, name, 'package.json'));
      if (dirname(dir) === dir) break;
    }
    // Without a node_modules folder to list (Yarn Plug'n'Play), the @anymq packages the nearest
    // package.json depends on are resolved by name, as the application itself would import them.
    const manifest = nearestManifest(base);
    if (manifest)
      for (const name of anymqDependencies(manifest)) {
        try {
          declare(createRequire(manifest).resolve(`${name}/package.json`));
        } catch {
          // declared but not installed
        }
      }
  }
  return [...found.values()];
}

/** The package.json that governs `dir`: the first one found walking up. */
function nearestManifest(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

/** The `@anymq/*` names a package.json lists among its dependencies of any kind. */
function anymqDependencies(manifestPath: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const names = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].flatMap((field) =>
      Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}),
    );
    return names.filter((name) => name.startsWith('@anymq/'));
  } catch {
    return [];
  }
}

/** Where packages are looked up: the application (its entry file, the working directory), then core. */
function resolutionBases(): string[] {
  return [
    process.argv[1] ? dirname(process.argv[1]) : undefined,
    process.cwd(),
    dirname(fileURLToPath(import.meta.url)),
  ].filter((base): base is string => base !== undefined);
}

/**
 * Imports a package as core sees it (a flat node_modules), else as the application sees it: with
 * pnpm's strict layout only the application's own folder can see the adapter it installed.
 */
async function importFromApplication(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    if (!isMissingPackage(error, name)) throw error;
    for (const base of resolutionBases()) {
      let resolved: string;
      try {
        resolved = createRequire(join(base, 'noop.js')).resolve(name);
      } catch {
        continue;
      }
      return import(pathToFileURL(resolved).href);
    }
    throw error;
  }
}

function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(name)
  );
}
