import { Headers, type OutgoingMessage } from '@anymq/core';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Header with the time (epoch ms) before which a message on a retry or delay topic must wait. */
export const NOT_BEFORE_HEADER = 'x-anymq-not-before';

/**
 * The Kafka form of an anymq message: key = message key, timestamp = send time, headers = the
 * user's plus `x-anymq-id` and `content-type`. Plain kafkajs programs read all of it.
 */
export function toKafkaMessage(message: OutgoingMessage, extraHeaders: Record<string, string> = {}): Message {
  return {
    key: message.key ?? null,
    value: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
    timestamp: String(message.timestamp),
    headers: { ...message.headers, [Headers.id]: message.id, ...extraHeaders },
  };
}

/** Headers that anymq keeps for itself; the handler does not see them. */
const internalHeaders = new Set<string>([Headers.id, Headers.retries, NOT_BEFORE_HEADER]);

export interface IncomingFields {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
  readonly attempt: number;
  /** Epoch ms before which this message must not be handled (retry and delay topics). */
  readonly notBefore: number;
}

/** Reads anymq's view of a Kafka record, also of records that plain kafkajs programs produced. */
export function fromKafkaMessage(message: KafkaMessage, topic: string, partition: number): IncomingFields {
  const raw = readHeaders(message.headers);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (!internalHeaders.has(name)) headers[name] = value;
  const retries = Number(raw[Headers.retries] ?? 0);
  return {
    // A record without our id header is identified by where it lives, which a redelivery keeps.
    id: raw[Headers.id] ?? `${topic}/${partition}/${message.offset}`,
    key: message.key === null || message.key === undefined ? undefined : message.key.toString('utf8'),
    headers,
    timestamp: Number(message.timestamp),
    attempt: (Number.isInteger(retries) && retries > 0 ? retries : 0) + 1,
    notBefore: Number(raw[NOT_BEFORE_HEADER] ?? 0) || 0,
  };
}

/** Kafka headers as strings (the last value wins where a header repeats). */
export function readHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return result;
}

/**
 * A copy of a consumed record for a retry or dead-letter topic: same key, value, timestamp and
 * headers, without anymq's scheduling headers, plus `extraHeaders`.
 */
export function copyOf(message: KafkaMessage, id: string, extraHeaders: Record<string, string>): Message {
  const headers = readHeaders(message.headers);
  delete headers[Headers.retries];
  delete headers[NOT_BEFORE_HEADER];
  return {
    key: message.key ?? null,
    value: message.value,
    timestamp: message.timestamp,
    headers: { ...headers, [Headers.id]: id, ...extraHeaders },
  };
}
