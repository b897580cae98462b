import { CodecError } from './errors.js';

/** Turns bodies into bytes and back. `contentType` travels in the `content-type` header. */
export interface Codec<T = unknown> {
  /** Sent as the `content-type` header, e.g. `application/json`. */
  readonly contentType: string;
  /** The body as bytes; throws `CodecError` (`ENCODE_FAILED`) for a body it cannot write. */
  encode(body: T): Uint8Array;
  /** The body from its bytes; a throw dead-letters the message with `DECODE_FAILED`. */
  decode(bytes: Uint8Array): T;
}

/** The media type without parameters, lower case: `application/json; charset=utf-8` is `application/json`. */
export const mediaType = (contentType: string) => (contentType.split(';')[0] as string).trim().toLowerCase();

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The default codec: UTF-8 JSON. */
export const jsonCodec: Codec<unknown> = {
  contentType: 'application/json',
  encode(body) {
    const text = JSON.stringify(body);
    if (text === undefined) {
      throw new CodecError('ENCODE_FAILED', `JSON cannot encode a body of type ${typeof body}`);
    }
    return textEncoder.encode(text);
  },
  decode(bytes) {
    try {
      return JSON.parse(textDecoder.decode(bytes)) as unknown;
    } catch (cause) {
      throw new CodecError('DECODE_FAILED', 'body is not valid UTF-8 JSON', cause);
    }
  },
};

/** Raw bytes, passed through untouched. Bodies are `Uint8Array` (a Node `Buffer` is one too). */
export const bytesCodec: Codec<Uint8Array> = {
  contentType: 'application/octet-stream',
  encode(body) {
    if (!(body instanceof Uint8Array)) {
      throw new CodecError('ENCODE_FAILED', 'the bytes codec takes a Uint8Array or Buffer body');
    }
    return body;
  },
  decode(bytes) {
    return bytes;
  },
};

/**
 * Encodes or decodes with `codec`, turning any failure into a `CodecError` with the given code.
 * Takes the codec and value rather than a closure: it runs once per message.
 */
export function runCodec<T>(code: 'ENCODE_FAILED', codec: Codec<T>, value: T): Uint8Array;
export function runCodec<T>(code: 'DECODE_FAILED', codec: Codec<T>, value: Uint8Array): T;
export function runCodec<T>(code: 'DECODE_FAILED' | 'ENCODE_FAILED', codec: Codec<T>, value: unknown): unknown {
  try {
    return code === 'ENCODE_FAILED' ? codec.encode(value as T) : codec.decode(value as Uint8Array);
  } catch (error) {
    if (error instanceof CodecError) throw error;
    const verb = code === 'ENCODE_FAILED' ? 'encode' : 'decode';
    throw new CodecError(code, `codec failed to ${verb} the body: ${String(error)}`, error);
  }
}
