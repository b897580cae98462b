import { describe, expect, it } from 'vitest';
import { bytesCodec, jsonCodec, runCodec } from './codec.js';
import { CodecError } from './errors.js';

describe('codecs', () => {
  it('JSON round-trips values', () => {
    const body = { id: 'o-1', items: [1, 2], note: 'ünïcode', nested: { ok: true } };
    expect(jsonCodec.decode(jsonCodec.encode(body))).toEqual(body);
  });

  it('JSON rejects what it cannot encode or decode, with a code', () => {
    expect(() => jsonCodec.encode(undefined)).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => jsonCodec.decode(new TextEncoder().encode('{"a":'))).toThrow(
      expect.objectContaining({ code: 'DECODE_FAILED' }),
    );
    expect(() => jsonCodec.decode(new Uint8Array([0xff, 0xfe]))).toThrow(CodecError);
  });

  it('bytes pass through untouched and only take bytes', () => {
    const body = new Uint8Array([0, 1, 255]);
    expect(bytesCodec.decode(bytesCodec.encode(body))).toBe(body);
    expect(() => bytesCodec.encode('text' as unknown as Uint8Array)).toThrow(CodecError);
  });

  it('a user codec that throws becomes a CodecError with the cause', () => {
    const cause = new RangeError('bad');
    try {
      const throwing = {
        contentType: 'x/test',
        encode: () => new Uint8Array(),
        decode: () => {
          throw cause;
        },
      };
      runCodec('DECODE_FAILED', throwing, new Uint8Array([1]));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CodecError);
      expect((error as CodecError).cause).toBe(cause);
    }
  });
});
