import { createRequire } from 'node:module';

/**
 * Replaces `method` of a class inside kafkajs (2.2.4 is its last release and is unmaintained, so
 * its bugs are fixed here), once per process. A kafkajs whose module or method does not look as
 * expected is left alone.
 */
export function patchKafkajs<T extends object>(
  modulePath: string,
  method: string,
  replace: (original: (this: T, ...args: unknown[]) => unknown) => (this: T, ...args: unknown[]) => unknown,
): void {
  let cls: { prototype: Record<string | symbol, unknown> } | undefined;
  try {
    cls = createRequire(import.meta.url)(`kafkajs/${modulePath}`) as typeof cls;
  } catch {
    return;
  }
  const prototype = cls?.prototype;
  const installed = Symbol.for(`anymq.kafkajs-patch.${modulePath}.${method}`);
  const original = prototype?.[method];
  if (!prototype || prototype[installed] || typeof original !== 'function') return;
  prototype[method] = replace(original as (this: T, ...args: unknown[]) => unknown);
  prototype[installed] = true;
}
