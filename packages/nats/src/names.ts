/**
 * JetStream names for anymq's queues and groups. Stream and consumer names may not contain `.`,
 * and subjects may not have empty tokens (`a..b`), while queue names may have both; so `_` is
 * written `_u` and `.` is written `_d`, which no two names share: `orders.eu` is stream
 * `anymq-orders_deu` with subject `anymq.orders_deu` (and `anymq.orders_deu.<group>` for each group's
 * hand-backs).
 */
const encode = (name: string) => name.replace(/_/g, '_u').replace(/\./g, '_d');

/** The stream of a queue. */
export const streamName = (queue: string) => `anymq-${encode(queue)}`;
/** The subject messages of a queue are published on. */
export const subjectOf = (queue: string) => `anymq.${encode(queue)}`;
/** The durable consumer of a group. */
export const consumerName = (group: string) => encode(group);
/** The group a consumer name was made from. */
export const groupOf = (consumer: string) => consumer.replace(/_[du]/g, (escape) => (escape === '_d' ? '.' : '_'));
/**
 * Where a group's hand-backs go: a subject of the queue's stream that only that group reads (the
 * others skip it), so that a message handed back on close is not a new message for every group.
 */
export const returnsSubjectOf = (queue: string, group: string) => `${subjectOf(queue)}.${consumerName(group)}`;
/** Every group's hand-back subject, as the stream lists it. */
export const returnsWildcardOf = (queue: string) => `${subjectOf(queue)}.*`;
