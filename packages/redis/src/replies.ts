import type { ChainableCommander } from 'ioredis';

/** Runs a pipeline or transaction and returns its replies; the first failed command's error is thrown. */
export async function execAll(commands: ChainableCommander): Promise<unknown[]> {
  const results = await commands.exec();
  if (!results) throw new Error('Redis discarded the transaction (a watched key changed)');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
