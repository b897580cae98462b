import { type Client, type GroupInspection, type QueueInspection, connect } from '@anymq/core';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { Inbox, gate } from '@anymq/testing';
import { type Requirement, always } from '../requirements.js';

const needsInspection: Requirement = (capabilities) =>
  capabilities.inspection ? undefined : 'the transport declares no inspection';

const needsInspectionOf =
  (figure: 'deadLetters' | 'listsGroups'): Requirement =>
  (capabilities) =>
    capabilities.inspection?.[figure] ? undefined : `the transport's inspection does not declare "${figure}"`;

/** Polls `inspect` until `check` passes (brokers count asynchronously), then returns the last answer. */
async function inspectUntil(
  mq: Client,
  queue: string,
  groups: readonly string[],
  check: (inspection: QueueInspection) => void,
  T: number,
): Promise<QueueInspection> {
  const deadline = Date.now() + T;
  for (;;) {
    const inspection = await mq.inspect(queue, { groups });
    try {
      check(inspection);
      return inspection;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Health and inspection: what a readiness probe and an operator's dashboard read. */
export function inspectionTests({ test, client, fresh, factory, T, capabilities }: ContractContext): void {
  const declared = capabilities.inspection;
  /** Expects each figure to be a number where declared, undefined where not. */
  const expectFigure = (group: GroupInspection | undefined, figure: 'waiting' | 'inFlight' | 'consumers', n: number) =>
    expect(group?.[figure], `${group?.group}.${figure}`).toBe(declared?.[figure] ? n : undefined);

  test('health() answers ok with the round trip, and not ok once the client is closed', always, async () => {
    const transport = await factory();
    const mq = await connect(transport);
    const health = await mq.health();
    expect(health).toMatchObject({ backend: transport.name, ok: true });
    if (transport.ping) expect(health.roundTripMs).toBeGreaterThanOrEqual(0);
    else expect(health.roundTripMs).toBeUndefined();
    await mq.close();
    expect(await mq.health()).toMatchObject({ ok: false, error: 'the client is closed' });
  });

  test(
    'inspect() tells what waits for an idle group, what a busy one holds, and their consumers',
    needsInspection,
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('inspect');
      const queue = mq.queue<number>(name);
      const idle = queue.consumer({ group: 'idle' });
      await idle.run(() => undefined);
      await idle.close();
      const held = gate();
      const started = new Inbox<number>();
      await queue.consumer({ group: 'busy', concurrency: 2 }).run(async (m) => {
        started.push(m.body);
        await held.promise;
      });
      await queue.producer().sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      await started.waitFor(2, 'two messages held by the busy group', T);

      const inspection = await inspectUntil(
        mq,
        name,
        ['idle', 'busy'],
        ({ groups }) => {
          const [idleGroup, busyGroup] = groups;
          if (capabilities.retainsForIdleGroups) expectFigure(idleGroup, 'waiting', 3);
          expectFigure(idleGroup, 'consumers', 0);
          expectFigure(busyGroup, 'inFlight', 2);
          expectFigure(busyGroup, 'consumers', 1);
        },
        T,
      );
      expect(inspection.groups.map((g) => g.group)).toEqual(['idle', 'busy']);
      held.open();
      await started.waitFor(3, 'the third message', T);
      await inspectUntil(
        mq,
        name,
        ['busy'],
        ({ groups: [busyGroup] }) => {
          expectFigure(busyGroup, 'inFlight', 0);
          expectFigure(busyGroup, 'waiting', 0);
        },
        T,
      );
    },
  );

  test('inspect() without groups finds the groups of the queue', needsInspectionOf('listsGroups'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('inspect-list');
    for (const group of ['billing', 'shipping']) {
      const consumer = mq.queue(name).consumer({ group });
      await consumer.run(() => undefined);
      await consumer.close();
    }
    const { groups } = await mq.inspect(name);
    expect(groups.map((g) => g.group).sort()).toEqual(['billing', 'shipping']);
  });

  test('inspect() counts the dead-letter queue', needsInspectionOf('deadLetters'), async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('inspect-dlq');
    const queue = mq.queue<number>(name);
    const failed = new Inbox<number>();
    await queue.consumer({ group: 'g', retry: { maxAttempts: 1 } }).run((m) => {
      failed.push(m.body);
      throw new Error('always');
    });
    expect((await mq.inspect(name)).deadLetters).toBe(0);
    await queue.producer().sendBatch([{ body: 1 }, { body: 2 }]);
    await failed.waitFor(2, 'both messages failing', T);
    await inspectUntil(mq, name, ['g'], ({ deadLetters }) => expect(deadLetters).toBe(2), T);
  });

  test('a group the broker does not know has no figures', needsInspection, async (ctx) => {
    const mq = await client(ctx);
    const name = fresh('inspect-unknown');
    const { groups } = await mq.inspect(name, { groups: ['nobody'] });
    expect(groups).toEqual([{ group: 'nobody', waiting: undefined, inFlight: undefined, consumers: undefined }]);
  });
}
