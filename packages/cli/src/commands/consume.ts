import { AnymqError, type Client, type Message } from '@anymq/core';

export interface ConsumeOptions {
  group: string;
  count?: string;
  json?: boolean;
  timeout?: string;
}

/**
 * anymq consume <queue> --group g: prints messages as they arrive (acking each), until `--count`
 * messages or, with `--timeout`, until that long passed without the count.
 */
export async function consume(
  mq: Client,
  queue: string,
  options: ConsumeOptions,
  out: NodeJS.WritableStream,
  status: NodeJS.WritableStream,
): Promise<void> {
  const stopped = new Promise<'signal'>((resolve) => process.once('SIGINT', () => resolve('signal')));
  const count = options.count === undefined ? Number.POSITIVE_INFINITY : Number(options.count);
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = mq.queue(queue).consumer({ group: options.group });
  await consumer.run((message: Message<unknown>) => {
    if (seen >= count) throw new Error('count reached: handing the message back');
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
  clearTimeout(timer);
  await consumer.close();
  if (outcome === 'timeout') {
    throw new AnymqError('HANDLER_TIMEOUT', `received ${seen} of ${count} messages from ${queue} within ${timeoutMs} ms`);
  }
}

function describe(message: Message<unknown>) {
  return { id: message.id, key: message.key, attempt: message.attempt, headers: message.headers, body: message.body };
}

function format(message: Message<unknown>): string {
  return typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
}
