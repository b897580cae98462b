/**
 * Header names anymq writes and reads. They are stable and documented so that a plain amqplib or
 * kafkajs program can read what anymq wrote, and the other way round. All values are strings.
 */
export const HeaderNames = {
  /** The message id, used for idempotent consumption. */
  id: 'x-anymq-id',
  /** Milliseconds since the epoch at which the producer sent the message. */
  timestamp: 'x-anymq-timestamp',
  /** The partition or ordering key, for brokers that have no native key. */
  key: 'x-anymq-key',
  /**
   * On a copy anymq wrote to deliver a message again (a retry, a hand-back, a crash counted): the
   * `Message.attempt` of that delivery. Absent on a first delivery (attempt 1).
   */
  attempt: 'x-anymq-attempt',
  /** Before 0.2, instead of `attempt`: attempt − 1. Still read (never written) until 0.3. */
  retries: 'x-anymq-retries',
  /**
   * How many earlier deliveries ended with their consumer gone before it settled the message (a
   * crash, a kill, a lost connection); absent when none did. Written where a broker cannot count
   * them itself.
   */
  abandoned: 'x-anymq-abandoned',
  /**
   * Milliseconds since the epoch after which the message is not handled (send option `expiresInMs`):
   * a consumer that gets it later dead-letters it as `EXPIRED`. Dead letters do not expire.
   */
  expiresAt: 'x-anymq-expires-at',
  /** On a dead-lettered message: the last error's message. */
  error: 'x-anymq-error',
  /** On a dead-lettered message: the last error's `code` or class name. */
  errorCode: 'x-anymq-error-code',
  /** On a dead-lettered message: the `Message.attempt` of its last delivery in the queue it came from. */
  originAttempt: 'x-anymq-origin-attempt',
  /** On a dead-lettered message: the queue it came from. */
  originQueue: 'x-anymq-origin-queue',
  /** On a dead-lettered message: the consumer group that gave up on it. */
  originGroup: 'x-anymq-origin-group',
  /** On a dead-lettered message: milliseconds since the epoch when it was dead-lettered. */
  deadLetteredAt: 'x-anymq-dead-lettered-at',
  /** On a request (`queue.request`): the queue its reply goes to. */
  replyTo: 'x-anymq-reply-to',
  /** On a request and its reply: what pairs them. */
  correlationId: 'x-anymq-correlation-id',
  /** The codec's content type, e.g. `application/json`. */
  contentType: 'content-type',
} as const;

/** Prefix of the headers anymq owns; user headers must not use it. */
export const RESERVED_HEADER_PREFIX = 'x-anymq-';

/**
 * The headers that carry a message's own bookkeeping (id, send time, key, counts): an adapter reads
 * them into the delivery and does not pass them on as headers to the handler.
 */
export const BOOKKEEPING_HEADERS: readonly string[] = [
  HeaderNames.id,
  HeaderNames.timestamp,
  HeaderNames.key,
  HeaderNames.attempt,
  HeaderNames.retries,
  HeaderNames.abandoned,
];
