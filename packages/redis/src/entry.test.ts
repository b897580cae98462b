import { HeaderNames } from '@anymq/core/transport';
import { describe, expect, it } from 'vitest';
import { copyFields, fromFields, packFields, toFields } from './entry.js';

const asBuffers = (fields: readonly (string | Uint8Array)[]) => fields.map((field) => Buffer.from(field));
const message = {
  id: 'm1',
  body: new Uint8Array([0, 255, 10]),
  key: 'k',
  headers: { 'content-type': 'application/octet-stream', tenant: 'eu' },
  timestamp: 1_700_000_000_000,
  delayMs: 0,
};

describe('stream entries', () => {
  it('carry an anymq message as fields: bookkeeping, headers, then the body bytes as they are', () => {
    const fields = toFields(message);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual([
      HeaderNames.id,
      HeaderNames.timestamp,
      HeaderNames.key,
      'content-type',
      'tenant',
      'body',
    ]);
    const read = fromFields(asBuffers(fields));
    expect(read).toEqual({
      id: 'm1',
      key: 'k',
      timestamp: message.timestamp,
      headers: { 'content-type': 'application/octet-stream', tenant: 'eu' },
      body: Buffer.from([0, 255, 10]),
      firstAttempt: 1,
      abandoned: 0,
    });
  });

  it('read an entry another program added without a body field as the JSON object of its fields', () => {
    const read = fromFields(asBuffers(['sku', '42', 'qty', '1']));
    expect(read.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(Buffer.from(read.body).toString())).toEqual({ sku: '42', qty: '1' });
    expect(read.id).toBeUndefined();
    // A copy of it (a retry) stays the same object: anymq's own fields are not part of it.
    const copy = fromFields(
      copyFields(asBuffers(['sku', '42']), { [HeaderNames.id]: 'q/1-0', [HeaderNames.attempt]: '2' }),
    );
    expect(JSON.parse(Buffer.from(copy.body).toString())).toEqual({ sku: '42' });
    expect(copy.firstAttempt).toBe(2);
  });

  it('report implausible counts and timestamps as ignored, never trusting them', () => {
    const read = fromFields(
      asBuffers([HeaderNames.attempt, '-3', HeaderNames.abandoned, '1e9', HeaderNames.timestamp, 'soon', 'body', 'x']),
    );
    expect(read.firstAttempt).toBe(1);
    expect(read.abandoned).toBe(0);
    expect(read.timestamp).toBeUndefined();
    expect(read.ignored).toEqual([`${HeaderNames.attempt}=-3`, `${HeaderNames.abandoned}=1e9`]);
  });

  it('copy with new counts in place of the old ones, before the body', () => {
    const original = asBuffers(toFields(message, { [HeaderNames.attempt]: '2', [HeaderNames.abandoned]: '1' }));
    const copy = copyFields(original, { [HeaderNames.attempt]: '3' });
    const names = copy.filter((_, i) => i % 2 === 0).map(String);
    expect(names.filter((name) => name === HeaderNames.attempt)).toHaveLength(1);
    expect(names).not.toContain(HeaderNames.abandoned);
    expect(names.at(-1)).toBe('body');
    expect(fromFields(copy).firstAttempt).toBe(3);
  });

  it('pack fields binary-safe as <length>:<bytes>, behind a tag', () => {
    const packed = packFields('tag', ['a', Buffer.from([58, 0, 49])]);
    expect(packed).toEqual(Buffer.concat([Buffer.from('3:tag1:a3:'), Buffer.from([58, 0, 49])]));
  });
});
