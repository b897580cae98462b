import type { Producer, ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SendBatcher } from './send-batcher.js';

/** A stand-in for the kafkajs producer that records the requests it was asked to send. */
function recordingProducer(requests: ProducerBatch[]): Producer {
  return { sendBatch: async (batch: ProducerBatch) => void requests.push(batch) } as unknown as Producer;
}

describe('SendBatcher', () => {
  it('coalesces sends made in one turn of the event loop, in order, within the message and byte bounds', async () => {
    const requests: ProducerBatch[] = [];
    const batcher = new SendBatcher(recordingProducer(requests), { maxMessages: 3, maxBytes: 10_000 });
    const value = Buffer.alloc(10);
    await Promise.all(
      Array.from({ length: 7 }, (_, i) => batcher.send(i % 2 ? 'a' : 'b', [{ value, key: String(i) }])),
    );
    expect(requests.map((r) => r.topicMessages?.reduce((n, t) => n + t.messages.length, 0))).toEqual([3, 3, 1]);
    const keys = requests.flatMap(
      (r) => r.topicMessages?.flatMap((t) => t.messages.map((m) => `${t.topic}${String(m.key)}`)) ?? [],
    );
    expect(keys.filter((k) => k.startsWith('a'))).toEqual(['a1', 'a3', 'a5']);
  });

  it('coalesces sends made while a request is in flight', async () => {
    const requests: ProducerBatch[] = [];
    let finishFirst!: () => void;
    const producer = {
      sendBatch: async (batch: ProducerBatch) => {
        requests.push(batch);
        if (requests.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
      },
    } as unknown as Producer;
    const batcher = new SendBatcher(producer, { maxMessages: 100, maxBytes: 10_000 });
    const first = batcher.send('t', [{ value: 'a' }]);
    await new Promise((resolve) => setImmediate(resolve)); // the first request is now in flight
    const later = Promise.all([batcher.send('t', [{ value: 'b' }]), batcher.send('t', [{ value: 'c' }])]);
    await new Promise((resolve) => setImmediate(resolve));
    finishFirst();
    await Promise.all([first, later]);
    expect(requests.map((r) => r.topicMessages?.[0]?.messages.length)).toEqual([1, 2]);
  });

  it('never puts more than about maxBytes in one request (the broker refuses larger ones)', async () => {
    const requests: ProducerBatch[] = [];
    const batcher = new SendBatcher(recordingProducer(requests), { maxMessages: 1000, maxBytes: 25_000 });
    const value = Buffer.alloc(10_240);
    await Promise.all(Array.from({ length: 6 }, () => batcher.send('t', [{ value }])));
    expect(requests.map((r) => r.topicMessages?.[0]?.messages.length)).toEqual([2, 2, 2]);
  });
  it('resends a request refused as out of sequence once, with a new producer; other errors fail the sends', async () => {
    const refused = Object.assign(new Error('The broker received an out of order sequence number'), {
      type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
    const broken = { sendBatch: async () => Promise.reject(refused) } as unknown as Producer;
    const requests: ProducerBatch[] = [];
    let replaced = 0;
    const batcher = new SendBatcher(broken, {
      maxMessages: 10,
      maxBytes: 10_000,
      replaceProducer: async () => {
        replaced++;
        return recordingProducer(requests);
      },
    });
    await batcher.send('a', [{ value: Buffer.from('x') }]);
    expect(replaced).toBe(1);
    expect(requests).toHaveLength(1);
    const failing = new SendBatcher(
      { sendBatch: async () => Promise.reject(new Error('broker down')) } as unknown as Producer,
      {
        maxMessages: 10,
        maxBytes: 10_000,
        replaceProducer: async () => Promise.reject(new Error('not to be called')),
      },
    );
    await expect(failing.send('a', [{ value: Buffer.from('x') }])).rejects.toThrow('broker down');
  });
});
