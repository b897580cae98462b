/**
 * Hooks for metrics and tracing. Every hook is optional and is only called when present, so an
 * unused observer costs one property check per event.
 */
export interface Observer {
  onSent?(event: { queue: string; id: string; durationMs: number }): void;
  onAcked?(event: { queue: string; group: string; id: string; attempt: number; handlerMs: number }): void;
  onRetried?(event: { queue: string; group: string; id: string; attempt: number; delayMs: number; error: Error }): void;
  onDeadLettered?(event: { queue: string; group: string; id: string; attempt: number; error: Error }): void;
  onDuplicate?(event: { queue: string; group: string; id: string }): void;
  /** A message carried bookkeeping headers anymq ignored as implausible (`name=value`), e.g. from another producer. */
  onIgnored?(event: { queue: string; group: string; id: string; ignored: readonly string[] }): void;
  /** An ack or nack the broker did not take; the message stays unsettled there and comes back. */
  onError?(event: { queue: string; group: string; error: Error }): void;
}
