import { adapterConfig, declaresItselfInPackageJson } from '@anymq/contract';
import { describe, expect, it } from 'vitest';
import { adapter } from './adapter.js';

// The config users write for memory is the same as before adapters were plug-ins: these are the
// cases core's own config tests held then.
const { resolve, refusal } = adapterConfig(adapter);

describe('the memory adapter', () => {
  declaresItselfInPackageJson(adapter, new URL('../package.json', import.meta.url));

  it('reads memory:// with options as query parameters, and ANYMQ_CAPACITY', async () => {
    expect(await resolve('memory://')).toEqual({ backend: 'memory' });
    expect(await resolve('memory://?capacity=100')).toEqual({ backend: 'memory', capacity: 100 });
    expect(await resolve(undefined, { ANYMQ_CAPACITY: '7' })).toEqual({ backend: 'memory', capacity: 7 });
  });

  it('names a wrong type', async () => {
    const error = await refusal({ backend: 'memory', capacity: 'lots' });
    expect(error.field).toBe('capacity');
    expect(error.message).toMatch(/capacity.*number/);
  });
});
