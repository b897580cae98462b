import type { Client, Message, QueueOptions } from '@anymq/core';
import { Inbox } from './inbox.js';

/**
 * Consumes `<queue>.dlq` as group `ops` and collects what arrives there, so that a test can wait,
 * bounded, for the messages a consumer of `queue` dead-lettered. Resolves once it is subscribed.
 */
export async function deadLetterInbox<T = unknown>(
  mq: Client,
  queue: string,
  options: QueueOptions<T> = {},
): Promise<Inbox<Message<T>>> {
  const dead = new Inbox<Message<T>>();
  await mq
    .queue<T>(`${queue}.dlq`, options)
    .consumer({ group: 'ops' })
    .run((m) => dead.push(m));
  return dead;
}
