import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox, gate } from '@anymq/testing';
import type { Requirement } from '../requirements.js';

/**
 * Reconnect: the broker restarts under running producers and consumers. Needs the harness to
 * restart the broker (`ContractOptions.broker.restart`) and a transport that keeps messages.
 */
export function reconnectTests({ test, client, fresh, T, broker, capabilities }: ContractContext): void {
  const restartable: Requirement = () =>
    !broker?.restart
      ? 'the harness gives no broker.restart (ContractOptions.broker)'
      : !capabilities.durable
        ? 'the transport does not declare "durable"'
        : undefined;
  const restart = () => (broker?.restart as () => Promise<void>)();

  test(
    'after a broker restart, a running consumer receives again and nothing sent before it is lost',
    restartable,
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<number>(fresh('restart'));
      const seen = new Set<number>();
      const arrivals = new Inbox<number>();
      await queue.consumer({ group: 'g', concurrency: 4 }).run((m) => {
        if (!seen.has(m.body)) {
          seen.add(m.body); // at least once: a redelivery after the restart is not a new arrival
          arrivals.push(m.body);
        }
      });
      const producer = queue.producer();
      await producer.sendBatch(Array.from({ length: 20 }, (_, n) => ({ body: n })));
      await arrivals.waitFor(20, 'the 20 messages sent before the restart', T);
      await restart();
      await producer.sendBatch(Array.from({ length: 20 }, (_, n) => ({ body: 20 + n })));
      await arrivals.waitFor(40, 'the 20 messages sent after the restart, at the same consumer', T);
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    },
  );

  test(
    'a handler running through a restart settles its message: acked, or delivered again; the consumer goes on',
    restartable,
    async (ctx) => {
      const outcomes = new Inbox<string>();
      const mq = await client(ctx, { onAcked: ({ id }) => outcomes.push(`acked ${id}`) });
      const queue = mq.queue<string>(fresh('restart-inflight'));
      const release = gate();
      let held = 0;
      const after = new Inbox<string>();
      await queue.consumer({ group: 'g' }).run(async (m) => {
        if (m.body === 'held' && held++ === 0) {
          outcomes.push('running');
          await release.promise; // still running while the broker restarts
        }
        if (m.body === 'held' && held > 1) outcomes.push('delivered again');
        if (m.body === 'after') after.push(m.body);
      });
      const { id } = await queue.producer().send('held');
      await outcomes.waitFor(1, 'the handler to start', T);
      await restart();
      release.open();
      // Its ack may reach a connection that is gone; then the broker delivers it again.
      const [, outcome] = await outcomes.waitFor(2, 'the held message acked or delivered again', T);
      expect([`acked ${id}`, 'delivered again']).toContain(outcome);
      await queue.producer().send('after');
      await after.waitFor(1, 'a message sent after the restart', T);
    },
  );
}
