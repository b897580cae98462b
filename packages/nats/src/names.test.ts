import { describe, expect, it } from 'vitest';
import { consumerName, groupOf } from './names.js';

describe('groupOf', () => {
  it.each(['billing', 'eu.billing', 'a_d', 'x_u.y_d_z', '_', '..'])(
    'reads back the group %j of its consumer name',
    (group) => {
      expect(consumerName(group)).not.toContain('.');
      expect(groupOf(consumerName(group))).toBe(group);
    },
  );
});
