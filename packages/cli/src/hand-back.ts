import type { Message } from '@anymq/core';

/**
 * For a handler that got a message it will not handle (its count is reached and the consumer is
 * about to close): waits for the close and rejects with the closing reason, which core takes as a
 * hand-back. Throwing at once would count as a failed attempt, retried and in the end dead-lettered.
 */
export function handBackOnClose(message: Message<unknown>): Promise<never> {
  return new Promise((_, reject) => {
    if (message.signal.aborted) reject(message.signal.reason);
    else message.signal.addEventListener('abort', () => reject(message.signal.reason), { once: true });
  });
}
