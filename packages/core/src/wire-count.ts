import { HeaderNames } from './headers.js';

/**
 * Counts read off the wire (attempts, redeliveries) come from programs that are not anymq. A
 * count is believed only when it is a whole number from 0 to this bound; anything else (text,
 * negative, fractional, 1e20, an AMQP long of 2^62) is ignored, so no header can make a handler
 * see an absurd attempt or skip its retries.
 */
export const MAX_WIRE_COUNT = 1_000_000;

/** How an ignored header is named to `observer.onIgnored`: `name=value`, the value cut at 64 characters. */
export function ignoredHeader(name: string, value: unknown): string {
  const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
  return `${name}=${text.length > 64 ? `${text.slice(0, 64)}…` : text}`;
}

/**
 * The attempt a copy says it is on: `x-anymq-attempt` as it is (at least 1), or the older
 * `x-anymq-retries` plus one. Undefined when the value is not plausible (report it as ignored).
 */
function readAttemptHeader(name: string, value: unknown): number | undefined {
  const count = readWireCount(value);
  if (count === undefined) return undefined;
  if (name === HeaderNames.retries) return count + 1;
  return count >= 1 ? count : undefined;
}

/**
 * The attempt of a delivery from the headers of the copy it came from: `x-anymq-attempt`, else the
 * older `x-anymq-retries` plus one, else 1. Present but implausible values are pushed to `ignored`
 * (as `name=value`), in that order. `valueOf` returns undefined for an absent header.
 */
export function readAttempt(valueOf: (name: string) => unknown, ignored: string[]): number {
  let attempt: number | undefined;
  for (const name of [HeaderNames.attempt, HeaderNames.retries]) {
    const value = valueOf(name);
    if (value === undefined || value === null) continue;
    const read = readAttemptHeader(name, value);
    if (read === undefined) ignored.push(ignoredHeader(name, value));
    else attempt ??= read; // the newer name wins
  }
  return attempt ?? 1;
}

/** The count in a header value, or undefined when it is absent or not a plausible count. */
export function readWireCount(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text =
    typeof value === 'string'
      ? value.trim()
      : typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : Buffer.isBuffer(value)
          ? value.toString('latin1').trim()
          : '';
  if (!/^\d{1,7}$/.test(text)) return undefined;
  const count = Number(text);
  return count <= MAX_WIRE_COUNT ? count : undefined;
}
