import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { copyHeaders, fromNatsHeaders, toNatsHeaders } from './nats-message.js';

const outgoing = {
  id: 'm-1',
  body: new Uint8Array(),
  key: 'k-1',
  headers: { 'content-type': 'application/json', tenant: 'acme' },
  timestamp: 1_700_000_000_123,
  delayMs: 0,
};

describe('NATS message mapping', () => {
  it("writes the documented headers and reads them back; the handler sees only the sender's", () => {
    const written = toNatsHeaders(outgoing);
    expect(written.get('x-anymq-id')).toBe('m-1');
    expect(fromNatsHeaders(written)).toEqual({
      id: 'm-1',
      key: 'k-1',
      timestamp: 1_700_000_000_123,
      headers: { 'content-type': 'application/json', tenant: 'acme' },
      firstAttempt: 1,
    });
  });

  it("reads a copy's attempt (and the older x-anymq-retries), ignoring implausible ones", () => {
    const copy = headers();
    copy.set('x-anymq-attempt', '3');
    expect(fromNatsHeaders(copy).firstAttempt).toBe(3);
    const legacy = headers();
    legacy.set('x-anymq-retries', '2');
    expect(fromNatsHeaders(legacy).firstAttempt).toBe(3);
    const hostile = headers();
    hostile.set('x-anymq-attempt', '99999999999999999999');
    expect(fromNatsHeaders(hostile)).toMatchObject({
      firstAttempt: 1,
      ignored: ['x-anymq-attempt=99999999999999999999'],
    });
  });

  it('reads a plain NATS message: no id, no key, no timestamp', () => {
    expect(fromNatsHeaders(undefined)).toEqual({
      id: undefined,
      key: undefined,
      timestamp: undefined,
      headers: {},
      firstAttempt: 1,
    });
  });

  it("a copy keeps the sender's headers, not the original's attempt or NATS id", () => {
    const original = toNatsHeaders(outgoing, { 'x-anymq-attempt': '2' });
    original.set('Nats-Msg-Id', 'm-1');
    const copy = copyHeaders(original, { 'x-anymq-error': 'boom' });
    expect(copy.get('tenant')).toBe('acme');
    expect(copy.get('x-anymq-error')).toBe('boom');
    expect(copy.has('x-anymq-attempt')).toBe(false);
    expect(copy.has('Nats-Msg-Id')).toBe(false);
  });
});
