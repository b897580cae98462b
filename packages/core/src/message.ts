import type { CloudEventAttributes, CloudEventSendOptions } from './cloud-events.js';

/** A message as a handler sees it. */
export interface Message<T> {
  readonly id: string;
  readonly body: T;
  readonly key: string | undefined;
  /** User headers plus anymq's own (`x-anymq-*`, `content-type`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch at which the producer sent it. */
  readonly timestamp: number;
  /** 1 on the first delivery, 2 on the first retry, and so on. */
  readonly attempt: number;
  readonly queue: string;
  readonly group: string;
  /** The CloudEvent's attributes, when the queue reads CloudEvents and this message is one. */
  readonly cloudEvent?: CloudEventAttributes;
  /** Aborts when the consumer closes, so a long handler can stop early; it is then redelivered. */
  readonly signal: AbortSignal;
  /** Acknowledge now, before the handler returns. Rejects with `ClosedError` once the consumer closed. */
  ack(): Promise<void>;
  /** Fail now: retry or dead-letter per the consumer's policy. Rejects with `ClosedError` once closed. */
  nack(error?: unknown): Promise<void>;
}

/** Per-message options of `send` and `sendBatch`. */
export interface SendOptions {
  /** Ordering and partitioning key: messages with one key keep their order where ordering is per key. */
  key?: string;
  /** String headers. Names starting with `x-anymq-` are reserved. */
  headers?: Record<string, string>;
  /** Deliver no earlier than this many milliseconds from now. */
  delayMs?: number;
  /**
   * Not to be handled later than this many milliseconds from now: a consumer that gets it after
   * that dead-letters it as `EXPIRED` without running the handler (the broker keeps it until then).
   * Compared with the consuming host's clock, so keep clocks in sync.
   */
  expiresInMs?: number;
  /** The message id; a random UUID by default. Reuse it to make a resend deduplicable. */
  id?: string;
  /**
   * Delivered before waiting messages of lower priority: a whole number from 0 (the default) to the
   * backend's `maxPriority`. Needs `capabilities.priorities` (RabbitMQ with `maxPriority` set).
   */
  priority?: number;
  /** CloudEvent attributes for this message; only on a queue with `cloudEvents`. */
  cloudEvent?: CloudEventSendOptions;
}

/** What a send resolves with once the broker has the message. */
export interface SendResult {
  /** The message id: the one given, or the UUID anymq chose. */
  readonly id: string;
}
