import { type ICustomPartitioner, Partitioners } from 'kafkajs';

/**
 * kafkajs' default partitioner, made to choose once per message. kafkajs picks the partition of a
 * keyless message round-robin on every attempt of a request. When an idempotent request is retried
 * after some of its partitions were written (a new topic's leader not ready yet, a broker
 * restarting), the rolled-back sequence numbers then go with other messages: the broker takes a
 * batch it already stored as a duplicate and writes nothing (those messages are lost, though their
 * send resolved), or refuses it as out of sequence (resent whole: duplicates). With each message
 * kept on the partition first chosen for it, a retry resends the very same batches and the
 * broker's de-duplication is exact.
 */
export const stablePartitioner: ICustomPartitioner = () => {
  const pick = Partitioners.DefaultPartitioner();
  const chosen = new WeakMap<object, number>();
  return (args) => {
    const earlier = chosen.get(args.message);
    if (earlier !== undefined && args.partitionMetadata.some((p) => p.partitionId === earlier)) return earlier;
    const partition = pick(args);
    chosen.set(args.message, partition);
    return partition;
  };
};
