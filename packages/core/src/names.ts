import { ConfigError } from './errors.js';

// Safe in every broker's naming rules (RabbitMQ queue and exchange names, Kafka topics, file
// names for ipc): letters, digits, dot, dash, underscore. Nothing that could inject a separator.
const validName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Whether `name` is a safe queue or group name. */
export function isValidName(name: unknown): boolean {
  return typeof name === 'string' && validName.test(name);
}

/** Throws `ConfigError` unless `name` is a safe queue or group name. */
export function assertName(kind: 'queue' | 'group', name: unknown): asserts name is string {
  if (!isValidName(name)) {
    throw new ConfigError(
      `${kind} name ${JSON.stringify(name)} is not allowed. Fix: use 1 to 200 letters, digits, ".", "-" or "_", starting with a letter or digit.`,
      { field: kind },
    );
  }
}
