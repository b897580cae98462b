/**
 * Hooks for metrics and tracing. Every hook is optional and is only called when present, so an
 * unused observer costs one property check per event.
 */
export interface Observer {
  /** The broker stored a sent message; `durationMs` from the call to its confirm. */
  onSent?(event: { queue: string; id: string; durationMs: number }): void;
  /** A handler succeeded and the message was acked; `handlerMs` is the handler's time alone. */
  onAcked?(event: { queue: string; group: string; id: string; attempt: number; handlerMs: number }): void;
  /** A handler failed and the message will come back after `delayMs`. */
  onRetried?(event: { queue: string; group: string; id: string; attempt: number; delayMs: number; error: Error }): void;
  /** A message went to the dead-letter queue: its attempts ran out, or it could not be retried. */
  onDeadLettered?(event: { queue: string; group: string; id: string; attempt: number; error: Error }): void;
  /** An id this group processed before arrived again and was acked without running the handler. */
  onDuplicate?(event: { queue: string; group: string; id: string }): void;
  /** A message carried bookkeeping headers anymq ignored as implausible (`name=value`), e.g. from another producer. */
  onIgnored?(event: { queue: string; group: string; id: string; ignored: readonly string[] }): void;
  /** An ack or nack the broker did not take; the message stays unsettled there and comes back. */
  onError?(event: { queue: string; group: string; error: Error }): void;
}

type Hook = (event: never) => unknown;

/**
 * The observer with every hook it has guarded, as OpenTelemetry guards its instrumentations: a hook
 * that throws (or returns a promise that rejects) never changes the outcome of a send or a delivery.
 * The first failure of each hook is reported as a process warning (`ANYMQ_OBSERVER_HOOK`); later
 * ones are ignored. Absent hooks stay absent, so they still cost nothing.
 */
export function guardObserver(observer: Observer | undefined): Observer | undefined {
  if (!observer) return undefined;
  const guarded: Record<string, Hook> = {};
  for (const name of Object.keys(observer) as (keyof Observer)[]) {
    const hook = observer[name] as Hook | undefined;
    if (typeof hook !== 'function') continue;
    let reported = false;
    const report = (error: unknown) => {
      if (reported) return;
      reported = true;
      process.emitWarning(
        `observer.${name} threw, and anymq ignores it (this once reported): ${String((error as Error)?.stack ?? error)}`,
        {
          code: 'ANYMQ_OBSERVER_HOOK',
        },
      );
    };
    guarded[name] = (event) => {
      try {
        const result = hook.call(observer, event);
        if (typeof (result as Promise<unknown> | undefined)?.then === 'function')
          (result as Promise<unknown>).then(undefined, report);
      } catch (error) {
        report(error);
      }
    };
  }
  return guarded as Observer;
}
