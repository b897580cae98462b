import type { Client } from '@anymq/core';
import { parseHeaders, readBody } from '../body-input.js';

export interface SendOptions {
  file?: string;
  key?: string;
  header: string[];
  delay?: string;
}

/** anymq send <queue> [body]: sends one message and prints its id once the broker has it. */
export async function send(
  mq: Client,
  queue: string,
  body: string | undefined,
  options: SendOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const value = await readBody(body, options.file, process.stdin);
  const delayMs = options.delay === undefined ? undefined : Number(options.delay);
  const { id } = await mq
    .queue(queue)
    .producer()
    .send(value, {
      key: options.key,
      headers: parseHeaders(options.header),
      ...(delayMs === undefined ? {} : { delayMs }),
    });
  out.write(`sent ${id} to ${queue} (${mq.backend})\n`);
}
