import { ConfigError } from './errors.js';

/** A message about to be sent, as a send middleware sees it. */
export interface OutgoingView {
  readonly id: string;
  readonly key: string | undefined;
  readonly bodyBytes: number;
  /**
   * The headers that will be sent. A middleware may add entries (a trace context, say); names
   * starting with `x-anymq-` are anymq's bookkeeping and must be left alone.
   */
  readonly headers: Record<string, string>;
}

/** One `send` or `sendBatch` call on its way to the broker. */
export interface SendContext {
  /** The backend's name (`rabbitmq`, `kafka`, …). */
  readonly system: string;
  readonly queue: string;
  readonly messages: readonly OutgoingView[];
}

/** A delivery about to be handled, as a handle middleware sees it. */
export interface HandleContext {
  readonly system: string;
  readonly queue: string;
  readonly group: string;
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** 1 on the first delivery, 2 on the first retry, and so on. */
  readonly attempt: number;
  readonly bodyBytes: number;
}

/** When the settlement (ack, retry, dead-letter, hand-back) ran, in `performance.now()` milliseconds. */
export interface SettleTiming {
  readonly startedAt: number;
  readonly endedAt: number;
}

/** How the handling of a delivery ended. */
export type Outcome = (
  | { readonly kind: 'acked' }
  /** Its id was processed before (idempotency): acked without running the handler. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'retried'; readonly error: Error; readonly delayMs: number }
  | { readonly kind: 'dead-lettered'; readonly error: Error; readonly deadLetterQueue: string }
  /** Given back to the group unhandled (the consumer was closing). */
  | { readonly kind: 'handed-back' }
  /** The broker did not take the settlement; the message stays unsettled there and comes back. */
  | { readonly kind: 'unsettled'; readonly error: Error }
) & { readonly settle?: SettleTiming };

/**
 * Wraps what a client does, in the order given to `connect` (the first is outermost), as
 * Watermill's middleware and MassTransit's filters do. `send` runs around every publish call and
 * may add headers; `handle` runs around the whole handling of a delivery (decoding, the handler,
 * the settlement), so the handler runs inside whatever context it sets up, and resolves with the
 * outcome. A `send` middleware that throws fails the send; a `handle` middleware that throws
 * before `next()` fails the delivery as a handler error would (retry, then dead-letter), and one
 * that throws after it is reported to `Observer.onError` (the message is settled by then).
 */
export interface Middleware {
  /** Runs around a publish call; may change the messages' headers before `next()`. */
  send?(context: SendContext, next: () => Promise<void>): Promise<void>;
  /** Runs around the handling of one delivery; resolves with what `next()` resolved with. */
  handle?(context: HandleContext, next: () => Promise<Outcome>): Promise<Outcome>;
}

export type SendChain = (context: SendContext, last: () => Promise<void>) => Promise<void>;
export type HandleChain = (context: HandleContext, last: () => Promise<Outcome>) => Promise<Outcome>;

/** Checks what `connect` was given, so that a mistake fails there and not at the first message. */
export function checkMiddleware(middleware: unknown): readonly Middleware[] {
  if (middleware === undefined) return [];
  if (!Array.isArray(middleware)) {
    throw new ConfigError('connect option "middleware" must be an array, e.g. [tracing()].', { field: 'middleware' });
  }
  middleware.forEach((entry: unknown, index) => {
    const { send, handle } = (entry ?? {}) as Record<string, unknown>;
    const valid =
      typeof entry === 'object' &&
      entry !== null &&
      (send === undefined || typeof send === 'function') &&
      (handle === undefined || typeof handle === 'function') &&
      (send !== undefined || handle !== undefined);
    if (!valid) {
      throw new ConfigError(
        `connect option "middleware[${index}]" must be an object with a send and/or handle function.`,
        { field: `middleware[${index}]` },
      );
    }
  });
  return middleware as Middleware[];
}

/** The send middleware as one function, or undefined when there is none (sends then skip it entirely). */
export function sendChain(middleware: readonly Middleware[]): SendChain | undefined {
  return chainOf(middleware.flatMap((m) => (m.send ? [m.send.bind(m)] : [])));
}

/** The handle middleware as one function, or undefined when there is none. */
export function handleChain(middleware: readonly Middleware[]): HandleChain | undefined {
  return chainOf(middleware.flatMap((m) => (m.handle ? [m.handle.bind(m)] : [])));
}

/** Steps run outermost first, each around the rest; `last` is what the innermost wraps. */
function chainOf<C, R>(
  steps: readonly ((context: C, next: () => Promise<R>) => Promise<R>)[],
): ((context: C, last: () => Promise<R>) => Promise<R>) | undefined {
  if (steps.length === 0) return undefined;
  return (context, last) => {
    const at = (index: number): Promise<R> => {
      const step = steps[index];
      return step
        ? step(
            context,
            once(() => at(index + 1)),
          )
        : last();
    };
    return at(0);
  };
}

/** A `next` called twice runs what follows once, and both calls get its result. */
function once<R>(run: () => Promise<R>): () => Promise<R> {
  let result: Promise<R> | undefined;
  return () => (result ??= run());
}
