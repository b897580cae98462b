import { BOOKKEEPING_HEADERS, HeaderNames, type OutgoingMessage, readAttempt } from '@anymq/core/transport';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';

/**
 * The NATS form of an anymq message: the body as it is, headers = the sender's plus `x-anymq-id`,
 * `x-anymq-timestamp`, `x-anymq-key` and `content-type`; `Nats-Msg-Id` = the id, so that a resend
 * within the stream's duplicate window is stored once.
 */
export function toNatsHeaders(message: OutgoingMessage, extra: Record<string, string> = {}): MsgHdrs {
  const out = natsHeaders();
  for (const [name, value] of Object.entries(message.headers)) out.set(name, value);
  out.set(HeaderNames.id, message.id);
  out.set(HeaderNames.timestamp, String(message.timestamp));
  if (message.key !== undefined) out.set(HeaderNames.key, message.key);
  for (const [name, value] of Object.entries(extra)) out.set(name, value);
  return out;
}

/** Headers anymq and JetStream keep for themselves; the handler does not see them. */
const internal = new Set<string>([...BOOKKEEPING_HEADERS, 'Nats-Msg-Id']);

export interface IncomingFields {
  readonly id: string | undefined;
  readonly key: string | undefined;
  readonly timestamp: number | undefined;
  readonly headers: Record<string, string>;
  /** The attempt a copy says it is on (1 for an original). */
  readonly firstAttempt: number;
  readonly ignored?: string[];
}

/** Reads anymq's view of a message, also one that a plain NATS client published. */
export function fromNatsHeaders(raw: MsgHdrs | undefined): IncomingFields {
  const headers: Record<string, string> = {};
  for (const name of raw?.keys() ?? []) if (!internal.has(name)) headers[name] = raw?.get(name) ?? '';
  const ignored: string[] = [];
  const firstAttempt = readAttempt((name) => (raw?.has(name) ? raw.get(name) : undefined), ignored);
  const timestamp = Number(raw?.get(HeaderNames.timestamp));
  return {
    id: raw?.get(HeaderNames.id) || undefined,
    key: raw?.has(HeaderNames.key) ? raw.get(HeaderNames.key) : undefined,
    timestamp: Number.isSafeInteger(timestamp) && timestamp > 0 ? timestamp : undefined,
    headers,
    firstAttempt,
    ...(ignored.length > 0 ? { ignored } : {}),
  };
}

/** A copy's headers: the original's, without anymq's attempt and NATS's id (a copy is a new message). */
export function copyHeaders(raw: MsgHdrs | undefined, extra: Record<string, string>): MsgHdrs {
  const out = natsHeaders();
  for (const name of raw?.keys() ?? []) {
    if (name === HeaderNames.attempt || name === HeaderNames.retries || name === 'Nats-Msg-Id') continue;
    out.set(name, raw?.get(name) ?? '');
  }
  for (const [name, value] of Object.entries(extra)) out.set(name, value);
  return out;
}
