import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnymqConfig } from './config-schema.js';
import { ConfigError } from './errors.js';
import type { AdapterModule, Transport } from './transport.js';

/** The npm package that implements a backend. */
export function adapterPackage(backend: string): string {
  return `@anymq/${backend}`;
}

/**
 * Loads the backend's adapter package by name and asks it for a transport. Core never imports an
 * adapter statically, so an application installs only the adapters it uses.
 */
export async function loadTransport(
  config: AnymqConfig,
  importModule: (specifier: string) => Promise<unknown> = importFromApplication,
): Promise<Transport> {
  const name = adapterPackage(config.backend);
  let module: Partial<AdapterModule>;
  try {
    module = (await importModule(name)) as Partial<AdapterModule>;
  } catch (error) {
    if (isMissingPackage(error, name)) {
      throw new ConfigError(
        `backend "${config.backend}" needs the package ${name}, which is not installed. Fix: npm install ${name}`,
        { field: 'backend', code: 'ADAPTER_NOT_INSTALLED', cause: error },
      );
    }
    throw error;
  }
  if (typeof module.createTransport !== 'function') {
    throw new ConfigError(
      `package ${name} does not export createTransport(config). Fix: install a version of ${name} that matches @anymq/core.`,
      { field: 'backend', code: 'ADAPTER_NOT_INSTALLED' },
    );
  }
  return module.createTransport(config);
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
    const bases = [process.argv[1] ? dirname(process.argv[1]) : undefined, process.cwd()];
    for (const base of bases) {
      if (!base) continue;
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
