import { randomUUID } from 'node:crypto';
import { jsonCodec, runCodec } from './codec.js';
import { AnymqError } from './errors.js';
import { HeaderNames } from './headers.js';
import { isValidName } from './names.js';
import type { OutgoingMessage } from './transport.js';

/** Where the reply to a request goes, and what pairs it with the request. */
export interface ReplyAddress {
  readonly queue: string;
  readonly correlationId: string;
}

// Printable ASCII, bounded: it comes back in a header, and may come from a program that is not anymq.
const validCorrelationId = /^[\x21-\x7e]{1,200}$/;

/**
 * The reply address a message carries, if it is a request. Read off the wire, so checked: a bad
 * address is `{ ignored }` (the message is handled, no reply is sent). A dead letter is never a
 * request any more: whoever handles it later answers nobody.
 */
export function replyAddress(
  headers: Readonly<Record<string, string>>,
): ReplyAddress | { ignored: string } | undefined {
  const queue = headers[HeaderNames.replyTo];
  if (queue === undefined || headers[HeaderNames.deadLetteredAt] !== undefined) return undefined;
  const correlationId = headers[HeaderNames.correlationId];
  if (!isValidName(queue)) return { ignored: `${HeaderNames.replyTo}=${queue.slice(0, 40)}` };
  if (correlationId === undefined || !validCorrelationId.test(correlationId))
    return { ignored: `${HeaderNames.correlationId}=${String(correlationId).slice(0, 40)}` };
  return { queue, correlationId };
}

/**
 * The reply to send: the handler's return value as JSON (`null` for none), or the error that
 * dead-lettered the request. Throws a `CodecError` for a value JSON cannot carry.
 */
export function replyMessage(address: ReplyAddress, outcome: { value: unknown } | { error: Error }): OutgoingMessage {
  const headers: Record<string, string> = {
    [HeaderNames.contentType]: jsonCodec.contentType,
    [HeaderNames.correlationId]: address.correlationId,
  };
  if ('error' in outcome) {
    headers[HeaderNames.error] = outcome.error.message.slice(0, 1000);
    headers[HeaderNames.errorCode] = outcome.error instanceof AnymqError ? outcome.error.code : outcome.error.name;
  }
  const value = 'value' in outcome ? (outcome.value ?? null) : null;
  return {
    id: randomUUID(),
    body: runCodec('ENCODE_FAILED', jsonCodec, value),
    key: undefined,
    headers,
    timestamp: Date.now(),
    delayMs: 0,
  };
}
