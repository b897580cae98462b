import { HeaderNames, type OutgoingMessage, ignoredHeader, readAttempt } from '@anymq/core/transport';
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
    headers: { ...message.headers, [HeaderNames.id]: message.id, ...extraHeaders },
  };
}

export interface IncomingFields {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
  readonly attempt: number;
  /** Epoch ms before which this message must not be handled (retry and delay topics). */
  readonly notBefore: number;
  /** Bookkeeping headers present but implausible, ignored (only when there are any). */
  readonly ignored?: readonly string[];
}

/**
 * Reads anymq's view of a Kafka record, also of records that plain kafkajs programs produced. One
 * pass over the headers: this runs for every message consumed.
 */
export function fromKafkaMessage(message: KafkaMessage, topic: string, partition: number): IncomingFields {
  const headers: Record<string, string> = {};
  let id: string | undefined;
  let attempt = 1;
  let notBefore = 0;
  let ignored: string[] | undefined;
  const raw = message.headers;
  let attemptRead = false;
  if (raw) {
    for (const name of Object.keys(raw)) {
      const value = headerText(raw[name]);
      if (value === undefined) continue;
      if (name === HeaderNames.id) id = value;
      else if (name === HeaderNames.attempt || name === HeaderNames.retries) {
        // Both names at the first of them, so that what is ignored is reported in header order.
        if (!attemptRead) attempt = readAttempt((other) => headerText(raw[other]), (ignored ??= []));
        attemptRead = true;
      } else if (name === NOT_BEFORE_HEADER) {
        notBefore = readEpochMs(value);
        if (notBefore === 0 && value.trim() !== '0') (ignored ??= []).push(ignoredHeader(name, value));
      } else headers[name] = value;
    }
  }
  return {
    // A record without our id header is identified by where it lives, which a redelivery keeps.
    id: id ?? `${topic}/${partition}/${message.offset}`,
    key: message.key === null || message.key === undefined ? undefined : message.key.toString('utf8'),
    headers,
    timestamp: Number(message.timestamp),
    attempt,
    notBefore,
    ...(ignored?.length ? { ignored } : {}),
  };
}

/** Epoch milliseconds from a header, or 0 (no wait) for anything that is not a plain whole number. */
function readEpochMs(value: string): number {
  return /^\d{1,15}$/.test(value.trim()) ? Number(value) : 0;
}

/** A header value as a string (the last value wins where a header repeats). */
function headerText(value: IHeaders[string]): string | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  return Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
}

/** Kafka headers as strings (the last value wins where a header repeats). */
export function readHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerText(headers?.[name]);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/**
 * A copy of a consumed record for a retry or dead-letter topic: same key, value, timestamp and
 * headers, without anymq's scheduling headers, plus `extraHeaders`.
 */
export function copyOf(message: KafkaMessage, id: string, extraHeaders: Record<string, string>): Message {
  const headers = readHeaders(message.headers);
  delete headers[HeaderNames.attempt];
  delete headers[HeaderNames.retries];
  delete headers[NOT_BEFORE_HEADER];
  return {
    key: message.key ?? null,
    value: message.value,
    timestamp: message.timestamp,
    headers: { ...headers, [HeaderNames.id]: id, ...extraHeaders },
  };
}
