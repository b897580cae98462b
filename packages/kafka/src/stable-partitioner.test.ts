import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { stablePartitioner } from './stable-partitioner.js';

const partitionMetadata: PartitionMetadata[] = [0, 1, 2, 3].map((partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
}));

describe('stablePartitioner', () => {
  it('gives a keyless message the same partition on every attempt, and spreads keyless messages', () => {
    const partition = stablePartitioner();
    const messages = Array.from({ length: 8 }, (_, i) => ({ value: String(i) }));
    const first = messages.map((message) => partition({ topic: 't', partitionMetadata, message }));
    const retried = messages.map((message) => partition({ topic: 't', partitionMetadata, message }));
    expect(retried).toEqual(first);
    expect(new Set(first).size).toBe(4);
  });

  it('keeps keyed messages where the default partitioner puts them', () => {
    const partition = stablePartitioner();
    const a = partition({ topic: 't', partitionMetadata, message: { key: 'order-1', value: 'x' } });
    expect(partition({ topic: 't', partitionMetadata, message: { key: 'order-1', value: 'y' } })).toBe(a);
  });

  it('chooses again when the partition first chosen is gone from the metadata', () => {
    const partition = stablePartitioner();
    const message = { value: 'x' };
    const first = partition({ topic: 't', partitionMetadata, message });
    const others = partitionMetadata.filter((p) => p.partitionId !== first);
    expect(others.map((p) => p.partitionId)).toContain(partition({ topic: 't', partitionMetadata: others, message }));
  });
});
