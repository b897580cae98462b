import type { OutgoingMessage } from '@anymq/core/transport';

/**
 * The brokered protocol between clients (DEALER) and anymq-zmq-proxy (ROUTER). Every message is a
 * list of frames; the first names the command.
 *
 * client → proxy                                        proxy → client
 *   PUB   reqId queue (meta body)…                        OK    reqId
 *   SUB   reqId subId queue group prefetch startFrom      ERR   reqId reason
 *   UNSUB reqId subId                                     DLV   subId tag meta body
 *   ACK   reqId tag      REL reqId tag                     HB    proxyEpoch/session
 *   RETRY reqId tag delayMs
 *   DLQ   reqId tag queue headersJSON
 *   HB
 * `meta` is JSON: { id, key, headers, timestamp, delayMs } on PUB, { id, key, headers, timestamp,
 * attempt, abandoned } on DLV. A client silent for longer than the heartbeat timeout is dropped: its
 * subscriptions end and every message it held goes back to its group as an abandoned attempt. The heartbeat answer names
 * the proxy's epoch and the client's session there: when either changes (the proxy restarted, or
 * dropped this client while it was still alive), the client subscribes again.
 */
export const Command = {
  publish: 'PUB',
  subscribe: 'SUB',
  unsubscribe: 'UNSUB',
  ack: 'ACK',
  release: 'REL',
  retry: 'RETRY',
  deadLetter: 'DLQ',
  heartbeat: 'HB',
  ok: 'OK',
  error: 'ERR',
  delivery: 'DLV',
} as const;

export interface PublishMeta {
  id: string;
  key?: string;
  headers: Record<string, string>;
  timestamp: number;
  delayMs: number;
}

export interface DeliveryMeta {
  id: string;
  key?: string;
  headers: Record<string, string>;
  timestamp: number;
  attempt: number;
  /** Earlier deliveries held by clients that vanished (see the proxy's drop); absent when none. */
  abandoned?: number;
}

/** Largest meta frame read from a peer. */
const MAX_META_BYTES = 64 * 1024;

/**
 * Reads the meta frame of a published message from a peer that may not be anymq: the meta, or the
 * reason it cannot be read (the message is then dead-lettered with it, never a crash).
 */
export function readPublishMeta(meta: Buffer | undefined, body: Buffer | undefined): PublishMeta | string {
  if (meta === undefined || body === undefined)
    return `expected 3 frames (queue, meta, body), got ${meta === undefined ? 1 : 2}`;
  if (meta.length > MAX_META_BYTES) return `the meta frame has ${meta.length} bytes, more than ${MAX_META_BYTES}`;
  let value: unknown;
  try {
    value = JSON.parse(meta.toString('utf8'));
  } catch {
    return 'the meta frame is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the meta frame is not a JSON object';
  const { id, key, headers, timestamp } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 1024)
    return 'meta "id" must be a string of 1 to 1024 characters';
  if (key !== undefined && typeof key !== 'string') return 'meta "key" must be a string';
  if (
    typeof headers !== 'object' ||
    headers === null ||
    Array.isArray(headers) ||
    !Object.values(headers).every((v) => typeof v === 'string')
  ) {
    return 'meta "headers" must be an object of strings';
  }
  return {
    id,
    ...(key === undefined ? {} : { key }),
    headers: { ...(headers as Record<string, string>) },
    timestamp: typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp >= 0 ? timestamp : Date.now(),
    delayMs: 0,
  };
}

export function publishFrames(message: OutgoingMessage): [string, Buffer] {
  const meta: PublishMeta = {
    id: message.id,
    headers: { ...message.headers },
    timestamp: message.timestamp,
    delayMs: message.delayMs,
  };
  if (message.key !== undefined) meta.key = message.key;
  return [JSON.stringify(meta), Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength)];
}

export function text(frame: Buffer | undefined): string {
  return frame ? frame.toString('utf8') : '';
}
