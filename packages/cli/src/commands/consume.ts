import { AnymqError, type Client, type Message, bytesCodec, jsonCodec } from '@anymq/core';
import { handBackOnClose } from '../hand-back.js';
import { onStopSignal } from '../stop-signals.js';

export interface ConsumeOptions {
  group: string;
  count?: string;
  json?: boolean;
  timeout?: string;
}

/**
 * anymq consume <queue> --group g: prints messages as they arrive (acking each), until `--count`
 * messages or, with `--timeout`, until that long passed without the count. It reads raw bytes and
 * shows them by their content type, so that a message in another format is shown, not dead-lettered.
 */
export async function consume(
  mq: Client,
  queue: string,
  options: ConsumeOptions,
  out: NodeJS.WritableStream,
  status: NodeJS.WritableStream,
): Promise<void> {
  let unhook!: () => void;
  const stopped = new Promise<'signal'>((resolve) => (unhook = onStopSignal(() => resolve('signal'))));
  const count = options.count === undefined ? Number.POSITIVE_INFINITY : Number(options.count);
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = mq.queue(queue, { codec: bytesCodec }).consumer({ group: options.group });
  await consumer.run((message: Message<Uint8Array>) => {
    if (seen >= count) return handBackOnClose(message);
    seen++;
    out.write(`${options.json ? JSON.stringify(describe(message)) : format(message)}\n`);
    if (seen >= count) done();
  });
  status.write(`anymq: consuming ${queue} as group ${options.group}; Ctrl-C stops\n`);
  const timeoutMs = options.timeout === undefined ? undefined : Number(options.timeout);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([finished, timedOut, stopped]);
  unhook();
  clearTimeout(timer);
  await consumer.close();
  if (outcome === 'timeout') {
    throw new AnymqError(
      'HANDLER_TIMEOUT',
      `received ${seen} of ${count} messages from ${queue} within ${timeoutMs} ms`,
    );
  }
}

/** A message as JSON: id, key, attempt, headers and a readable body (shared with `anymq dlq show`). */
export function describe(message: Message<Uint8Array>) {
  return {
    id: message.id,
    key: message.key,
    attempt: message.attempt,
    headers: message.headers,
    body: readable(message),
  };
}

function format(message: Message<Uint8Array>): string {
  const body = readable(message);
  return typeof body === 'string' ? body : JSON.stringify(body);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON bodies parsed (by core's JSON codec), other UTF-8 text as it is, anything else as `base64:…`. */
function readable(message: Message<Uint8Array>): unknown {
  const contentType = message.headers['content-type'];
  if (contentType === undefined || /^application\/(.+\+)?json\b/i.test(contentType)) {
    try {
      return jsonCodec.decode(message.body);
    } catch {
      // not JSON after all: shown as text or bytes below
    }
  }
  try {
    return utf8.decode(message.body);
  } catch {
    return `base64:${Buffer.from(message.body).toString('base64')}`;
  }
}
