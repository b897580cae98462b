import { describe, expect, it } from 'vitest';
import { jsonCodec } from './codec.js';
import { HeaderNames } from './headers.js';
import { replyAddress, replyMessage } from './replies.js';

const request = { [HeaderNames.replyTo]: 'anymq.replies.1', [HeaderNames.correlationId]: 'c-1' };

describe('replyAddress, read off the wire', () => {
  it('is undefined for a message that is not a request', () => {
    expect(replyAddress({})).toBeUndefined();
  });

  it('reads the reply queue and the correlation id of a request', () => {
    expect(replyAddress(request)).toEqual({ queue: 'anymq.replies.1', correlationId: 'c-1' });
  });

  it('ignores, naming the header, a reply queue that is not a safe name or a correlation id out of bounds', () => {
    expect(replyAddress({ ...request, [HeaderNames.replyTo]: 'amq.direct/../x' })).toEqual({
      ignored: 'x-anymq-reply-to=amq.direct/../x',
    });
    expect(replyAddress({ ...request, [HeaderNames.correlationId]: 'x'.repeat(201) })).toMatchObject({
      ignored: expect.stringMatching(/^x-anymq-correlation-id=x{40}$/),
    });
    expect(replyAddress({ [HeaderNames.replyTo]: 'q' })).toEqual({ ignored: 'x-anymq-correlation-id=undefined' });
    expect(replyAddress({ ...request, [HeaderNames.correlationId]: 'with space' })).toHaveProperty('ignored');
  });

  it('never answers a dead letter: whoever handles it later has nobody to reply to', () => {
    expect(replyAddress({ ...request, [HeaderNames.deadLetteredAt]: '1' })).toBeUndefined();
  });
});

describe('replyMessage', () => {
  const address = { queue: 'anymq.replies.1', correlationId: 'c-1' };

  it('carries the value as JSON, null for none, with the correlation id', () => {
    const reply = replyMessage(address, { value: { total: 3 } });
    expect(jsonCodec.decode(reply.body)).toEqual({ total: 3 });
    expect(reply.headers).toMatchObject({ [HeaderNames.correlationId]: 'c-1', 'content-type': 'application/json' });
    expect(jsonCodec.decode(replyMessage(address, { value: undefined }).body)).toBeNull();
  });

  it('carries an error as its code and reason', () => {
    const reply = replyMessage(address, { error: new TypeError('bad sku') });
    expect(reply.headers).toMatchObject({ [HeaderNames.errorCode]: 'TypeError', [HeaderNames.error]: 'bad sku' });
  });

  it('throws a CodecError for a value JSON cannot write', () => {
    expect(() => replyMessage(address, { value: 10n })).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });
});
