import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AckBatcher } from './ack-batcher.js';

const message = (deliveryTag: number) => ({ fields: { deliveryTag } }) as unknown as Message;

/** Records the acks a channel would send, as `tag` or `tag+` (multiple). */
function recorder() {
  const acks: string[] = [];
  const channel = {
    ack: (m: Message, allUpTo?: boolean) => void acks.push(`${m.fields.deliveryTag}${allUpTo ? '+' : ''}`),
  };
  return { acks, channel };
}

describe('AckBatcher', () => {
  it('acks a settled run at the front with one multiple ack, and nothing still being handled', () => {
    const { acks, channel } = recorder();
    const batcher = new AckBatcher(channel);
    const messages = [1, 2, 3, 4, 5].map(message);
    for (const m of messages) batcher.delivered(m);
    for (const m of [messages[0], messages[1], messages[3]]) batcher.ack(m as Message);
    batcher.flush();
    // 3 is still being handled: 1-2 go as one multiple ack, 4 alone.
    expect(acks).toEqual(['2+', '4']);
    batcher.ack(messages[2] as Message);
    batcher.ack(messages[4] as Message);
    batcher.flush();
    expect(acks).toEqual(['2+', '4', '5+']);
  });

  it('a nacked delivery does not hold back the acks after it', () => {
    const { acks, channel } = recorder();
    const batcher = new AckBatcher(channel);
    const messages = [1, 2, 3].map(message);
    for (const m of messages) batcher.delivered(m);
    batcher.forget(messages[0] as Message);
    batcher.ack(messages[1] as Message);
    batcher.ack(messages[2] as Message);
    batcher.flush();
    expect(acks).toEqual(['3+']);
  });

  it('flushes by itself at the end of the turn', async () => {
    const { acks, channel } = recorder();
    const batcher = new AckBatcher(channel);
    const m = message(1);
    batcher.delivered(m);
    batcher.ack(m);
    expect(acks).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(acks).toEqual(['1+']);
  });
});
