import {
  type Client,
  type Codec,
  ConfigError,
  HeaderNames,
  type Message,
  RESERVED_HEADER_PREFIX,
  bytesCodec,
} from '@anymq/core';
import { handBackOnClose } from '../hand-back.js';
import { describe } from './consume.js';
import { onStopSignal } from '../stop-signals.js';

export interface DlqOptions {
  /** Stop after this many messages (list: 100 by default). */
  max?: string;
  /** Stop once no message arrived for this long. */
  idle: string;
  group: string;
  /** Replay with fresh ids (header `replay-of` names the original), for brokers that drop a resent id. */
  newIds?: boolean;
}

const actions = ['list', 'show', 'replay', 'purge'] as const;
type Action = (typeof actions)[number];

/**
 * anymq dlq <queue> list | show <id> | replay | purge. Each reads `<queue>.dlq` as consumer group
 * `--group` (`anymq-dlq` by default) until it has been idle for `--idle` ms or `--max` messages
 * were read.
 * - list prints a line per dead letter (id, reason, attempts, where from, when) and show one in full
 *   (headers and body); both hold what they read until they stop, then hand it all back: nothing
 *   is removed, and at most `--max` (100) are seen.
 * - replay sends each back to the queue it was dead-lettered from, with its id, key, body, content
 *   type and user headers, as a fresh message (attempts start again), then acks it: a second run
 *   finds nothing, and consumers with idempotency absorb a message that does arrive twice.
 * - purge acks them.
 */
export async function dlq(
  mq: Client,
  queue: string,
  action: string,
  id: string | undefined,
  options: DlqOptions,
  out: NodeJS.WritableStream,
  status: NodeJS.WritableStream,
): Promise<void> {
  if (!(actions as readonly string[]).includes(action)) {
    throw new ConfigError(`unknown dlq action "${action}". Fix: use ${actions.join(', ')}.`, { field: 'action' });
  }
  if (action === 'show' && id === undefined) {
    throw new ConfigError('dlq show needs the id of the message. Fix: anymq dlq <queue> show <id>.', { field: 'id' });
  }
  const browsing = action === 'list' || action === 'show';
  const max = Number(options.max ?? (browsing ? 100 : Number.POSITIVE_INFINITY));
  const idleMs = Number(options.idle);
  if (!(max >= 1)) throw new ConfigError('--max must be a number of at least 1.', { field: 'max' });
  if (browsing && !Number.isInteger(max)) {
    throw new ConfigError(`dlq ${action} holds what it reads: --max must be a whole number.`, { field: 'max' });
  }
  if (!(idleMs >= 100 && Number.isFinite(idleMs))) {
    throw new ConfigError('--idle must be at least 100 milliseconds.', { field: 'idle' });
  }
  if (action === 'replay' && mq.capabilities.deduplicatesById && !options.newIds) {
    // Acking the dead letter after a resend the broker drops would lose it.
    throw new ConfigError(
      `${mq.backend} stores a message sent again with the same id once, within its duplicate window: a replay keeping the ids would be dropped. Fix: add --new-ids (each replay gets a fresh id and a replay-of header with the original), or replay after the window has passed.`,
      { field: 'newIds' },
    );
  }
  const deadLetters = queue.endsWith('.dlq') ? queue : `${queue}.dlq`;
  let found = false;
  const count = await read(mq, deadLetters, browsing ? max : 1, max, idleMs, options.group, status, (message, stop) => {
    const origin = message.headers[HeaderNames.originQueue] ?? deadLetters.slice(0, -'.dlq'.length);
    if (action === 'list') {
      out.write(`${summary(message, origin)}\n`);
      return handBackOnClose(message);
    }
    if (action === 'show') {
      if (message.id === id) {
        found = true;
        out.write(`${JSON.stringify(describe(message), null, 2)}\n`);
        stop();
      }
      return handBackOnClose(message);
    }
    return (async () => {
      if (action === 'replay') await replay(mq, origin, message, options.newIds === true);
      const reason = message.headers[HeaderNames.errorCode] ?? 'unknown reason';
      out.write(`${action === 'replay' ? `replayed to ${origin}` : 'purged'}: ${message.id} (${reason})\n`);
    })();
  });
  if (action === 'show' && !found) {
    throw new ConfigError(
      `no message ${id} among the ${count} read from ${deadLetters}. Fix: check the id with anymq dlq ${queue} list, or raise --max.`,
      {
        field: 'id',
      },
    );
  }
  const done: Record<Action, string> = { list: 'listed', show: 'read', replay: 'replayed', purge: 'purged' };
  if (action !== 'show') out.write(`${done[action as Action]} ${count} message${count === 1 ? '' : 's'}\n`);
}

/**
 * Reads `queue` as `group`, `concurrency` at a time, until `max` messages, an idle spell of `idleMs`,
 * or `stop()`; resolves with how many were read, once every handler has ended (held ones handed back).
 */
async function read(
  mq: Client,
  queue: string,
  concurrency: number,
  max: number,
  idleMs: number,
  group: string,
  status: NodeJS.WritableStream,
  handle: (message: Message<Uint8Array>, stop: () => void) => Promise<void>,
): Promise<number> {
  let count = 0;
  let last = Date.now();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  // Hooked before anything announces that we read: until a listener exists, SIGTERM kills outright.
  const unhook = onStopSignal(stop);
  const consumer = mq.queue(queue, { codec: bytesCodec }).consumer({ group, concurrency });
  await consumer.run((message: Message<Uint8Array>) => {
    if (count >= max) return handBackOnClose(message);
    count++;
    last = Date.now();
    if (count >= max) stop();
    return handle(message, stop);
  });
  last = Date.now(); // a group's join (Kafka) may take seconds: idleness counts from here
  status.write(`anymq: reading ${queue} as group ${group}; stops after ${idleMs} ms without a message\n`);
  const idle = setInterval(() => Date.now() - last >= idleMs && stop(), Math.min(idleMs, 250));
  try {
    await stopped;
  } finally {
    unhook();
    clearInterval(idle);
    await consumer.close();
  }
  return count;
}

/** One line of `dlq list`: id, reason, attempts, where from and when. */
function summary(message: Message<Uint8Array>, origin: string): string {
  const header = (name: string) => message.headers[name];
  const at = Number(header(HeaderNames.deadLetteredAt));
  const error = (header(HeaderNames.error) ?? '').replace(/\s+/g, ' ').slice(0, 100);
  return [
    message.id,
    header(HeaderNames.errorCode) ?? 'unknown reason',
    `attempt ${header(HeaderNames.originAttempt) ?? '?'}`,
    `from ${origin}/${header(HeaderNames.originGroup) ?? '?'}`,
    Number.isFinite(at) && at > 0 ? new Date(at).toISOString() : 'at ?',
    error,
  ].join('  ');
}

/** Sends a dead letter back where it came from, as the producer first sent it. */
async function replay(mq: Client, origin: string, message: Message<Uint8Array>, newIds: boolean): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (!name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX) && name !== HeaderNames.contentType)
      headers[name] = value;
  }
  const codec: Codec<Uint8Array> = {
    ...bytesCodec,
    contentType: message.headers[HeaderNames.contentType] ?? bytesCodec.contentType,
  };
  if (newIds) headers['replay-of'] = message.id;
  const producer = mq.queue(origin, { codec }).producer();
  await producer.send(message.body, { ...(newIds ? {} : { id: message.id }), key: message.key, headers });
  await producer.close();
}
