import { createHash } from 'node:crypto';
import { HeaderNames, type OutgoingMessage, ignoredHeader, readAttempt, readWireCount } from '@anymq/core/transport';
import type { ConsumeMessage, Options } from 'amqplib';

/**
 * The AMQP form of an anymq message. Plain amqplib programs see: `messageId`, `contentType`,
 * `timestamp` (seconds), persistent delivery, the routing key = the message key, and headers:
 * the user's plus `x-anymq-timestamp` (ms) and `x-anymq-key`.
 */
export function toPublishOptions(message: OutgoingMessage): Options.Publish {
  const { [HeaderNames.contentType]: contentType, ...headers } = message.headers;
  const amqpHeaders: Record<string, string> = { ...headers, [HeaderNames.timestamp]: String(message.timestamp) };
  if (message.key !== undefined) amqpHeaders[HeaderNames.key] = message.key;
  return {
    messageId: message.id,
    contentType,
    timestamp: Math.floor(message.timestamp / 1000),
    persistent: true,
    headers: amqpHeaders,
    ...(message.priority === undefined ? {} : { priority: message.priority }),
  };
}

/** Routing keys are at most 255 bytes; longer keys travel in the `x-anymq-key` header only. */
export function routingKeyFor(key: string | undefined): string {
  return key !== undefined && Buffer.byteLength(key) <= 255 ? key : '';
}

/**
 * Quorum queues count every return of a message in this header. anymq does not use it: its copies
 * count (see GroupConsumer); it is hidden from handlers and dropped from copies.
 */
const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/** Headers that RabbitMQ or anymq add for bookkeeping; the handler does not see them. */
const internalHeaders = new Set([
  HeaderNames.attempt,
  HeaderNames.retries,
  HeaderNames.abandoned,
  HeaderNames.key,
  HeaderNames.timestamp,
  DELIVERY_COUNT_HEADER,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
]);

export interface IncomingFields {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
  readonly attempt: number;
  readonly abandoned: number;
  /** Bookkeeping headers present but implausible, ignored (only when there are any). */
  readonly ignored?: readonly string[];
}

/** A count header: its value, or 0 with the header noted in `ignored` when it is there but implausible. */
function countHeader(raw: Record<string, unknown>, name: string, ignored: string[]): number {
  const value = raw[name];
  const count = readWireCount(value);
  if (count === undefined && value !== undefined && value !== null) ignored.push(ignoredHeader(name, value));
  return count ?? 0;
}

/** Reads anymq's view of a delivery, also from messages that plain AMQP clients published. */
export function fromDelivery(message: ConsumeMessage, exchange: string): IncomingFields {
  const raw = (message.properties.headers ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!internalHeaders.has(name) && value !== undefined && value !== null) headers[name] = headerText(value);
  }
  if (message.properties.contentType) headers[HeaderNames.contentType] = String(message.properties.contentType);
  const keyHeader = raw[HeaderNames.key];
  const fromExchange = message.fields.exchange === exchange && message.fields.routingKey !== '';
  const timestampHeader = Number(raw[HeaderNames.timestamp]);
  const amqpTimestamp = Number(message.properties.timestamp);
  const ignored: string[] = [];
  const attempt = readAttempt((name) => raw[name], ignored);
  const abandoned = countHeader(raw, HeaderNames.abandoned, ignored);
  return {
    ...(ignored.length > 0 ? { ignored } : {}),
    id: message.properties.messageId ? String(message.properties.messageId) : derivedId(message),
    key: keyHeader !== undefined ? headerText(keyHeader) : fromExchange ? message.fields.routingKey : undefined,
    headers,
    timestamp: Number.isFinite(timestampHeader)
      ? timestampHeader
      : Number.isFinite(amqpTimestamp) && amqpTimestamp > 0
        ? amqpTimestamp * 1000
        : Date.now(),
    attempt,
    abandoned,
  };
}

/**
 * An id for a message whose publisher set none, derived from what the message carries (where it
 * was published, its properties, headers and body), so that every redelivery of it has the same
 * one; copies then carry it as their message id. Formatted as a UUID (version 5 style). Two
 * byte-identical messages from such a publisher share it: with idempotency on, the second counts as
 * a duplicate, which is what an id-less publisher's retry looks like too.
 */
function derivedId(message: ConsumeMessage): string {
  const { exchange, routingKey } = message.fields;
  const { timestamp, correlationId, type, appId, headers } = message.properties;
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        exchange,
        routingKey,
        timestamp ?? null,
        correlationId ?? null,
        type ?? null,
        appId ?? null,
        headers ? headerEntries(headers) : null,
      ]),
    )
    .update(message.content)
    .digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Headers as sorted text pairs, without the broker's own bookkeeping (it changes per delivery). */
function headerEntries(headers: Record<string, unknown>): [string, string][] {
  return Object.keys(headers)
    .filter(
      (name) =>
        name !== DELIVERY_COUNT_HEADER &&
        !name.startsWith('x-death') &&
        !name.startsWith('x-first-death') &&
        !name.startsWith('x-last-death'),
    )
    .sort()
    .map((name) => [name, headerText(headers[name])]);
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The publish options for a copy of a delivered message, e.g. to a retry or dead-letter queue. It
 * keeps the delivery's id, key and timestamp, also where the original carried them only implicitly
 * (no message id, the routing key, the AMQP timestamp or none), so that every later delivery and
 * the dead letter see the same ones.
 */
export function copyOptions(
  message: ConsumeMessage,
  fields: Pick<IncomingFields, 'id' | 'key' | 'timestamp'>,
  extraHeaders: Record<string, string>,
): Options.Publish {
  const { properties } = message;
  const identity: Record<string, string> = { [HeaderNames.timestamp]: String(fields.timestamp) };
  if (fields.key !== undefined) identity[HeaderNames.key] = fields.key;
  return {
    messageId: fields.id,
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    type: properties.type,
    appId: properties.appId,
    timestamp: properties.timestamp,
    priority: properties.priority,
    persistent: true,
    headers: withinHeaderBudget({ ...withoutBookkeeping(properties.headers ?? {}), ...identity, ...extraHeaders }),
  };
}

/**
 * What a copy's headers may take, as JSON, so that they encode: amqplib encodes a message's
 * properties into a 64 KiB buffer and throws past it, which would leave the original unsettled.
 */
export const HEADER_BUDGET_BYTES = 48 * 1024;
const DROPPED_HEADER = 'x-anymq-headers-dropped';

/**
 * Another program's message may carry headers that fit on the way in but not on a copy with anymq's
 * headers added. The largest of the sender's headers are then left out of the copy (never anymq's),
 * and `x-anymq-headers-dropped` names them, so that the copy can still be made and the message settled.
 */
function withinHeaderBudget(headers: Record<string, unknown>): Record<string, unknown> {
  const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');
  let total = size(headers);
  if (total <= HEADER_BUDGET_BYTES) return headers;
  const fitted = { ...headers };
  const dropped: string[] = [];
  const theirs = Object.keys(fitted)
    .filter((name) => !name.startsWith('x-anymq-'))
    .sort((a, b) => size(fitted[b]) - size(fitted[a]));
  for (const name of theirs) {
    if (total <= HEADER_BUDGET_BYTES) break;
    total -= size(fitted[name]) + Buffer.byteLength(name);
    delete fitted[name];
    dropped.push(name);
  }
  fitted[DROPPED_HEADER] = dropped.join(',').slice(0, 1024);
  return fitted;
}

/**
 * The broker's bookkeeping describes the original, not the copy: a stale count would be misread.
 * The headers of a copy, without the broker's dead-lettering records and anymq's attempt counts: a
 * requeue writes its own, and a dead letter starts again at attempt 1 in its queue.
 */
function withoutBookkeeping(headers: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...headers };
  delete copy[DELIVERY_COUNT_HEADER];
  delete copy[HeaderNames.attempt];
  delete copy[HeaderNames.retries];
  delete copy[HeaderNames.abandoned];
  for (const name of Object.keys(copy))
    if (name.startsWith('x-death') || name.startsWith('x-first-death') || name.startsWith('x-last-death'))
      delete copy[name];
  return copy;
}
