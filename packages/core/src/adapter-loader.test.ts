import { describe, expect, it } from 'vitest';
import { loadTransport } from './adapter-loader.js';
import { ConfigError } from './errors.js';

describe('loadTransport', () => {
  it('names the package to install when an adapter is missing (a real failed import)', async () => {
    // Every adapter is in this workspace, so import a name that is installed nowhere.
    const missing = (specifier: string) => import(`${specifier}-not-installed-anywhere`);
    const error = await loadTransport({ backend: 'kafka', brokers: ['k:9092'] }, missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ADAPTER_NOT_INSTALLED', field: 'backend' });
    expect((error as Error).message).toContain('npm install @anymq/kafka');
  });

  it('rejects a package that does not export createTransport', async () => {
    const error = await loadTransport({ backend: 'memory' }, async () => ({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ADAPTER_NOT_INSTALLED' });
  });

  it('passes other import failures through', async () => {
    const boom = new SyntaxError('broken adapter build');
    const error = await loadTransport({ backend: 'memory' }, () => Promise.reject(boom)).catch((e: unknown) => e);
    expect(error).toBe(boom);
  });
});
