import {
  BOOKKEEPING_HEADERS,
  HeaderNames,
  type OutgoingMessage,
  RESERVED_HEADER_PREFIX,
  ignoredHeader,
  readAttempt,
  readWireCount,
} from '@anymq/core/transport';

/** The field that holds the body; every other field of an anymq entry is a header. */
export const BODY_FIELD = 'body';

/**
 * An anymq message as a stream entry: `x-anymq-id`, `x-anymq-timestamp`, `x-anymq-key`, the
 * sender's headers and `content-type` as fields of their own (so `redis-cli XRANGE` and other
 * clients read them), then `body` with the bytes as they are.
 */
export function toFields(message: OutgoingMessage, extra: Record<string, string> = {}): (string | Buffer)[] {
  const fields: (string | Buffer)[] = [HeaderNames.id, message.id, HeaderNames.timestamp, String(message.timestamp)];
  if (message.key !== undefined) fields.push(HeaderNames.key, message.key);
  for (const [name, value] of Object.entries({ ...message.headers, ...extra })) {
    if (name !== BODY_FIELD) fields.push(name, value);
  }
  fields.push(BODY_FIELD, Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength));
  return fields;
}

/** Fields anymq keeps for itself; the handler does not see them. */
const internal = new Set<string>([...BOOKKEEPING_HEADERS, BODY_FIELD]);

export interface EntryFields {
  readonly id: string | undefined;
  readonly key: string | undefined;
  readonly timestamp: number | undefined;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  /** The attempt a copy says it is on (1 for an original). */
  readonly firstAttempt: number;
  /** Deliveries of earlier copies that ended with their consumer gone. */
  readonly abandoned: number;
  readonly ignored?: string[];
}

/**
 * Reads an entry, also one another program added. An entry without a `body` field (`XADD s * sku
 * 42 qty 1`, as Redis users often write events) arrives as the JSON object of its fields.
 */
export function fromFields(raw: readonly Buffer[]): EntryFields {
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString();
    if (!values.has(name)) values.set(name, raw[i + 1] as Buffer);
  }
  const text = (name: string) => values.get(name)?.toString();
  const headers: Record<string, string> = {};
  for (const [name, value] of values) if (!internal.has(name)) headers[name] = value.toString();
  const ignored: string[] = [];
  const firstAttempt = readAttempt(text, ignored);
  const abandonedText = text(HeaderNames.abandoned);
  const abandoned = readWireCount(abandonedText);
  if (abandonedText !== undefined && abandoned === undefined)
    ignored.push(ignoredHeader(HeaderNames.abandoned, abandonedText));
  const timestamp = Number(text(HeaderNames.timestamp));
  const body = values.get(BODY_FIELD);
  return {
    id: text(HeaderNames.id) || undefined,
    key: text(HeaderNames.key),
    timestamp: Number.isSafeInteger(timestamp) && timestamp > 0 ? timestamp : undefined,
    ...(body === undefined ? asJsonObject(values, headers) : { headers, body }),
    firstAttempt,
    abandoned: abandoned ?? 0,
    ...(ignored.length > 0 ? { ignored } : {}),
  };
}

/**
 * The body of an entry without a `body` field: the JSON object of its fields, but for anymq's own
 * (`x-anymq-*`), which a copy or a dead letter adds and which stay headers.
 */
function asJsonObject(values: Map<string, Buffer>, headers: Record<string, string>) {
  const data: Record<string, string> = {};
  const kept: Record<string, string> = { [HeaderNames.contentType]: 'application/json' };
  for (const [name, value] of values) {
    if (!name.startsWith(RESERVED_HEADER_PREFIX)) data[name] = value.toString();
    else if (name in headers) kept[name] = value.toString();
  }
  return { headers: kept, body: Buffer.from(JSON.stringify(data)) };
}

/**
 * A copy of an entry (a retry or a hand-back) with `extra` fields in place of anymq's counts: the
 * same id, key, headers and body.
 */
export function copyFields(raw: readonly Buffer[], extra: Record<string, string>): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString();
    if (name === HeaderNames.attempt || name === HeaderNames.retries || name === HeaderNames.abandoned) continue;
    if (name in extra) continue;
    out.push(raw[i] as Buffer, raw[i + 1] as Buffer);
  }
  // Before the body, where anymq writes its headers.
  const bodyAt = out.findIndex((field, i) => i % 2 === 0 && field.toString() === BODY_FIELD);
  const added = Object.entries(extra).flatMap(([name, value]) => [Buffer.from(name), Buffer.from(value)]);
  out.splice(bodyAt === -1 ? out.length : bodyAt, 0, ...added);
  return out;
}

/**
 * Fields packed into one string, for a sorted-set member that a script later adds to a stream:
 * `<tag>` then each field as `<length>:<bytes>`. Binary-safe, and cheap to take apart in Lua.
 */
export function packFields(tag: string, fields: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of [tag, ...fields]) {
    const bytes =
      typeof field === 'string' ? Buffer.from(field) : Buffer.from(field.buffer, field.byteOffset, field.byteLength);
    parts.push(Buffer.from(`${bytes.length}:`), bytes);
  }
  return Buffer.concat(parts);
}
