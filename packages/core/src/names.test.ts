import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { assertName } from './names.js';

describe('queue and group names', () => {
  it.each(['orders', 'orders.dlq', 'push_email-v2', 'A1'])('accepts %s', (name) => {
    expect(() => assertName('queue', name)).not.toThrow();
  });

  it.each(['', '.hidden', 'a b', 'orders/../x', 'amq.#', 'x'.repeat(201), 'q\u0000', 42])(
    'rejects %j with a ConfigError naming the rule',
    (name) => {
      expect(() => assertName('group', name)).toThrow(ConfigError);
      expect(() => assertName('group', name)).toThrow(/letters, digits/);
    },
  );
});
