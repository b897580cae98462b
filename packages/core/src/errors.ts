/** Stable, machine-readable error codes. Match on `error.code`, not on the message text. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'ADAPTER_NOT_INSTALLED'
  | 'VALIDATION_FAILED'
  | 'DECODE_FAILED'
  | 'ENCODE_FAILED'
  | 'CONNECTION_FAILED'
  | 'PUBLISH_FAILED'
  | 'CLOSED'
  | 'HANDLER_FAILED'
  | 'HANDLER_TIMEOUT'
  | 'CONSUMER_CRASHED'
  | 'ATTEMPTS_EXHAUSTED'
  | 'INVALID_ENVELOPE'
  | 'EXPIRED'
  | 'TOPOLOGY_FAILED'
  | 'REQUEST_TIMEOUT'
  | 'REQUEST_FAILED'
  | 'ACCESS_DENIED';

/** Base of every error anymq throws: a `code`, a message that says what to do, and the cause. */
export class AnymqError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The configuration is wrong. `field` names the offending key (a dotted path), when there is one. */
export class ConfigError extends AnymqError {
  readonly field: string | undefined;

  constructor(
    message: string,
    options?: { field?: string; cause?: unknown; code?: 'CONFIG_INVALID' | 'ADAPTER_NOT_INSTALLED' },
  ) {
    super(options?.code ?? 'CONFIG_INVALID', message, options);
    this.field = options?.field;
  }
}

/** A message body does not match the queue's schema. Nothing was sent. */
export class ValidationError extends AnymqError {
  readonly queue: string;
  readonly issues: readonly { path: string; message: string }[];

  constructor(queue: string, issues: readonly { path: string; message: string }[], cause?: unknown) {
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super('VALIDATION_FAILED', `message for queue "${queue}" does not match its schema: ${list}`, {
      cause,
    });
    this.queue = queue;
    this.issues = issues;
  }
}

/** A body could not be encoded (send) or decoded (receive) by the queue's codec. */
export class CodecError extends AnymqError {
  constructor(code: 'DECODE_FAILED' | 'ENCODE_FAILED', message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}

/** The broker could not be reached, or the connection was lost and not restored in time. */
export class ConnectionError extends AnymqError {
  constructor(message: string, cause?: unknown) {
    super('CONNECTION_FAILED', message, { cause });
  }
}

/** The broker refused or did not confirm a message. The message may not have been stored. */
export class PublishError extends AnymqError {
  constructor(message: string, cause?: unknown) {
    super('PUBLISH_FAILED', message, { cause });
  }
}

/**
 * The broker refused to create or check what a queue needs (an exchange, a queue, a topic, a
 * stream): from `send`, `consumer.run()` or a reconnect. Nothing was sent or subscribed.
 */
export class TopologyError extends AnymqError {
  constructor(message: string, cause?: unknown) {
    super('TOPOLOGY_FAILED', message, { cause });
  }
}

/** The broker refused the user: wrong credentials, or no permission on the vhost or resource. */
export class AccessDeniedError extends AnymqError {
  constructor(message: string, cause?: unknown) {
    super('ACCESS_DENIED', message, { cause });
  }
}

/** An operation on a producer, consumer or client that has been closed. */
export class ClosedError extends AnymqError {
  constructor(message: string) {
    super('CLOSED', message);
  }
}

/** A handler ran longer than the consumer's `handlerTimeoutMs`; the message is retried. */
export class HandlerTimeoutError extends AnymqError {
  constructor(timeoutMs: number) {
    super('HANDLER_TIMEOUT', `handler did not settle within ${timeoutMs} ms (handlerTimeoutMs)`);
  }
}

/**
 * A message arrived with its attempts already spent, so its handler is not run again: it is
 * dead-lettered with this error. `CONSUMER_CRASHED` when consumers holding it went away without
 * settling it (a crash, a kill, a lost connection): a message that kills its process ends here
 * after `retry.maxAttempts` deliveries instead of stalling its queue. `ATTEMPTS_EXHAUSTED` when the
 * count came from elsewhere (a lower `maxAttempts` since it was retried, or a foreign producer).
 */
export class AttemptsExhaustedError extends AnymqError {
  constructor(attempt: number, abandoned: number, maxAttempts: number) {
    const crashed = abandoned > 0;
    super(
      crashed ? 'CONSUMER_CRASHED' : 'ATTEMPTS_EXHAUSTED',
      crashed
        ? `delivered ${attempt} times; ${abandoned} of those ended with the consumer gone before it settled the message (a crash, a kill or a lost connection). retry.maxAttempts is ${maxAttempts}, so the handler is not run again.`
        : `delivery ${attempt} exceeds retry.maxAttempts (${maxAttempts}), so the handler is not run again.`,
    );
  }
}

/** A message from another program whose envelope anymq cannot read; it is dead-lettered with the reason. */
export class EnvelopeError extends AnymqError {
  constructor(reason: string) {
    super('INVALID_ENVELOPE', `the message's envelope cannot be read: ${reason}`);
  }
}

/** A message delivered after the time its producer gave it (`expiresInMs`): dead-lettered, never handled. */
export class ExpiredError extends AnymqError {
  constructor(expiresAt: number, now: number) {
    super(
      'EXPIRED',
      `expired at ${new Date(expiresAt).toISOString()}, ${now - expiresAt} ms before this delivery (send option expiresInMs), so the handler is not run.`,
    );
  }
}

/** Wraps a non-Error value thrown by a handler, so that its error headers are always readable. */
export class HandlerError extends AnymqError {
  constructor(thrown: unknown) {
    super('HANDLER_FAILED', `handler threw a non-Error value: ${describeThrown(thrown)}`, {
      cause: thrown,
    });
  }
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Turns anything a handler may throw into an Error. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new HandlerError(thrown);
}

/** No reply to a request (`queue.request`) came within its `timeoutMs`. */
export class RequestTimeoutError extends AnymqError {
  readonly queue: string;
  readonly timeoutMs: number;

  constructor(queue: string, timeoutMs: number) {
    super(
      'REQUEST_TIMEOUT',
      `no reply from queue "${queue}" within ${timeoutMs} ms. Fix: check that a consumer runs on it, or raise timeoutMs.`,
    );
    this.queue = queue;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The request's handler failed for good: the message was dead-lettered (attempts spent, a
 * non-retryable error, undecodable) and the reply says why. `remoteCode` is the error's code there.
 */
export class RequestFailedError extends AnymqError {
  readonly queue: string;
  readonly remoteCode: string;

  constructor(queue: string, remoteCode: string, reason: string) {
    super('REQUEST_FAILED', `the request to queue "${queue}" failed (${remoteCode}): ${reason}`);
    this.queue = queue;
    this.remoteCode = remoteCode;
  }
}
