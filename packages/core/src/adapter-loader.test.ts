import { describe, expect, it } from 'vitest';
import { nothingInstalled, urlAdapter } from './adapters.fixture.js';
import { adapterByName, adapterByScheme, registerAdapter } from './adapter-loader.js';
import { resolveConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('adapter loading', () => {
  it('names the package to install when an adapter is missing (a real failed import)', async () => {
    const missing = (specifier: string) => import(`${specifier}-not-installed-anywhere`);
    const error = await adapterByName('kafka', { importModule: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ADAPTER_NOT_INSTALLED', field: 'backend' });
    expect((error as Error).message).toContain('npm install @anymq/kafka');
  });

  it('imports @anymq/<backend> and takes its adapter export', async () => {
    const imported: string[] = [];
    const importModule = async (name: string) => {
      imported.push(name);
      return { adapter: { ...urlAdapter, backend: 'loaded-by-name' } };
    };
    expect((await adapterByName('loaded-by-name', { importModule })).backend).toBe('loaded-by-name');
    expect(imported).toEqual(['@anymq/loaded-by-name']);
  });

  it('rejects a package that does not export an adapter, or one for another backend', async () => {
    const empty = await adapterByName('empty-package', { importModule: async () => ({}) }).catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: 'ADAPTER_NOT_INSTALLED' });
    expect((empty as Error).message).toContain(
      'package @anymq/empty-package does not give an anymq adapter: it has no backend name',
    );
    const other = await adapterByName('other-name', { importModule: async () => ({ adapter: urlAdapter }) }).catch(
      (e: unknown) => e,
    );
    expect((other as Error).message).toContain('backend "urlmq", not "other-name"');
    const noSchema = await adapterByName('urlmq', {
      importModule: async () => ({ adapter: { ...urlAdapter, options: {} } }),
      adapters: [],
    }).catch((e: unknown) => e);
    expect((noSchema as Error).message).toContain('no zod object of options');
  });

  it('passes other import failures through', async () => {
    const boom = new SyntaxError('broken adapter build');
    const error = await adapterByName('broken', { importModule: () => Promise.reject(boom) }).catch((e: unknown) => e);
    expect(error).toBe(boom);
  });

  it('refuses a backend name that could not be a package name, without importing', async () => {
    let imported = false;
    const error = await adapterByName('../../etc', { importModule: async () => ((imported = true), {}) }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ADAPTER_NOT_INSTALLED' });
    expect(imported).toBe(false);
  });

  it('a registered adapter is found by name and by scheme, for the rest of the process', async () => {
    const acme = {
      ...urlAdapter,
      backend: 'acme-registered',
      schemes: ['acme'],
      packageName: '@acme/anymq-acme',
      fromUrl: () => ({ url: 'umq://acme' }),
    };
    expect(() => registerAdapter({ ...acme, createTransport: undefined } as never)).toThrow(ConfigError);
    registerAdapter(acme);
    expect(await adapterByName('acme-registered', { importModule: nothingInstalled })).toBe(acme);
    expect(await adapterByScheme('acme', { importModule: nothingInstalled })).toBe(acme);
    const { config } = await resolveConfig('acme://h', { importModule: nothingInstalled });
    expect(config).toMatchObject({ backend: 'acme-registered' });
  });
});
