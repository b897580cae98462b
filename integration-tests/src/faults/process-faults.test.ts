// Faults of the consumer's own process: SIGKILL while it holds unacknowledged messages, and a
// graceful SIGTERM under load. The consumer runs in a real child process (child-consumer.ts); a
// survivor in this process takes over its group. Each test records a row of RELIABILITY.md.
import { type ConfigInput, connect } from '@anymq/core';
import { ZmqProxy } from '@anymq/zeromq';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import { redisConfig } from '../redis-config.ts';
import { until } from '../until.ts';
import { startChildConsumer, superviseChildConsumer } from './child-process.ts';
import { recordRow } from './reliability.ts';

const backends = inject('backends');
/** ZeroMQ brokered needs no container: its proxy runs in this process; a client silent for 500 ms is dropped. */
const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*', heartbeatTimeoutMs: 500 });
beforeAll(() => proxy.start());
afterAll(() => proxy.close());

const configs: Record<string, () => ConfigInput> = {
  rabbitmq: () => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }),
  kafka: () => ({ backend: 'kafka', brokers: inject('kafkaBrokers') }),
  'zeromq brokered': () => ({ backend: 'zeromq', address: proxy.endpoint, heartbeatIntervalMs: 100 }),
  'rabbitmq quorum': () => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl'), queueType: 'quorum' }),
  redis: () => ({ ...redisConfig(inject('redisUrl')), claimTimeoutMs: 5_000 }),
  nats: () => ({ backend: 'nats', servers: inject('natsServers'), ackWaitMs: 5_000 }),
};
const sessionNote: Record<string, string> = {
  rabbitmq: '',
  kafka: ' after the session timeout (10 s)',
  'zeromq brokered': ' after the proxy missed its heartbeats (500 ms)',
  redis: ' by XAUTOCLAIM after claimTimeoutMs (5 s)',
  nats: ' after ackWaitMs (5 s)',
};

/** Sends `count` numbered messages; resolves with their ids in order. */
async function sendNumbered(config: ConfigInput, queue: string, count: number): Promise<string[]> {
  const mq = await connect(config);
  try {
    const producer = mq.queue<number>(queue).producer();
    const results = await Promise.all(Array.from({ length: count }, (_, n) => producer.send(n, { key: `k${n % 40}` })));
    return results.map((r) => r.id);
  } finally {
    await mq.close();
  }
}

/** Takes over the group in this process until every id in `expected` was handled; counts deliveries. */
async function survivor(ctx: TestContext, config: ConfigInput, queue: string, expected: Set<string>) {
  const mq = await connect(config);
  ctx.onTestFinished(() => mq.close());
  const received: string[] = [];
  const arrivedAt = new Map<string, number>();
  await mq
    .queue<number>(queue)
    .consumer({ group: 'g', concurrency: 16 })
    .run((m) => {
      received.push(m.id);
      if (!arrivedAt.has(m.id)) arrivedAt.set(m.id, Date.now());
    });
  await until(
    () => [...expected].every((id) => arrivedAt.has(id)),
    `the survivor to receive all ${expected.size} messages`,
    120_000,
  );
  return { received, arrivedAt };
}

for (const backend of ['rabbitmq', 'kafka', 'zeromq brokered', 'redis', 'nats'] as const) {
  describe.runIf(backend === 'zeromq brokered' || backends.includes(backend))(
    `${backend}: consumer process faults`,
    () => {
      it(
        'a consumer killed with SIGKILL while holding unacknowledged messages loses none of them',
        { timeout: 180_000 },
        async (ctx) => {
          const config = configs[backend]?.() as ConfigInput;
          const queue = `kill-${randomUUID().slice(0, 8)}`;
          const child = await startChildConsumer({
            config,
            queue,
            group: 'g',
            concurrency: 10,
            mode: 'hold',
            workMs: 0,
          });
          ctx.onTestFinished(() => void child.process.kill('SIGKILL'));
          const ids = await sendNumbered(config, queue, 200);
          await child.until(() => child.delivered.size >= 10, 'the child to hold 10 messages');
          const held = new Set(child.delivered);
          child.process.kill('SIGKILL');
          const killedAt = Date.now();
          expect((await child.exited).signal).toBe('SIGKILL');
          const { received, arrivedAt } = await survivor(ctx, config, queue, new Set(ids));
          const distinct = new Set(received);
          recordRow({
            scenario: 'consumer SIGKILLed holding messages',
            backend,
            sent: ids.length,
            delivered: ids.filter((id) => distinct.has(id)).length,
            lost: ids.filter((id) => !distinct.has(id)).length,
            duplicated: received.length - distinct.size + [...held].filter((id) => distinct.has(id)).length,
            recoveryMs: Math.max(...[...held].map((id) => arrivedAt.get(id) ?? Number.NaN)) - killedAt, // the last held one back
            notes: `${held.size} held by the killed process, all redelivered to the survivor${sessionNote[backend]}`,
          });
          expect(child.acked.size).toBe(0);
          expect(ids.filter((id) => !distinct.has(id))).toEqual([]);
          expect([...held].every((id) => distinct.has(id))).toBe(true);
        },
      );

      it(
        'SIGTERM under load: running handlers finish and commit, nothing committed comes back, nothing is lost',
        { timeout: 180_000 },
        async (ctx) => {
          const config = configs[backend]?.() as ConfigInput;
          const queue = `term-${randomUUID().slice(0, 8)}`;
          const child = await startChildConsumer({
            config,
            queue,
            group: 'g',
            concurrency: 8,
            mode: 'work',
            workMs: 20,
          });
          ctx.onTestFinished(() => void child.process.kill('SIGKILL'));
          const ids = await sendNumbered(config, queue, 600);
          await child.until(() => child.acked.size >= 100, 'the child to ack 100 messages');
          child.process.kill('SIGTERM');
          const terminatedAt = Date.now();
          expect(await child.exited).toEqual({ code: 0, signal: null });
          const exitMs = Date.now() - terminatedAt;
          const unfinished = [...child.delivered].filter((id) => !child.acked.has(id));
          const rest = new Set(ids.filter((id) => !child.acked.has(id)));
          const { received } = rest.size > 0 ? await survivor(ctx, config, queue, rest) : { received: [] };
          const committedAgain = received.filter((id) => child.acked.has(id));
          const distinct = new Set([...child.acked, ...received]);
          recordRow({
            scenario: 'consumer SIGTERMed under load',
            backend,
            sent: ids.length,
            delivered: ids.filter((id) => distinct.has(id)).length,
            lost: ids.filter((id) => !distinct.has(id)).length,
            duplicated: committedAgain.length + received.length - new Set(received).size,
            recoveryMs: null,
            notes: `${child.acked.size} handled by the stopped process, which exited ${exitMs} ms after SIGTERM with ${unfinished.length} handlers unfinished`,
          });
          expect(unfinished).toEqual([]);
          expect(committedAgain).toEqual([]);
          expect(ids.filter((id) => !distinct.has(id))).toEqual([]);
        },
      );
    },
  );
}

const crashCounting: Record<string, string> = {
  rabbitmq: 'a redelivered message is copied with its attempt raised before it runs, then runs alone',
  'rabbitmq quorum': 'quorum queue, counted like a classic one: copied with its attempt raised, then runs alone',
  kafka: 'committed-offset metadata: suspects of a vanished member run one at a time',
  'zeromq brokered': 'the proxy counts what a dropped client held',
  redis: "Redis's delivery count of the entry, past 1, is members that vanished with it; such suspects run alone",
};

for (const backend of ['rabbitmq', 'rabbitmq quorum', 'kafka', 'zeromq brokered', 'redis'] as const) {
  const broker = backend.split(' ')[0] as string;
  describe.runIf(backend === 'zeromq brokered' || backends.includes(broker))(
    `${backend}: a message that kills its consumer`,
    () => {
      it(
        'is dead-lettered as CONSUMER_CRASHED after maxAttempts crashes under a supervisor; every other message is handled',
        { timeout: 240_000 },
        async (ctx) => {
          const config = configs[backend]?.() as ConfigInput;
          const queue = `poison-${randomUUID().slice(0, 8)}`;
          const maxAttempts = 3;
          const poison = 50;
          const mq = await connect(config);
          ctx.onTestFinished(() => mq.close());
          const dead: { id: string; headers: Record<string, string> }[] = [];
          await mq
            .queue(`${queue}.dlq`)
            .consumer({ group: 'ops' })
            .run((m) => void dead.push({ id: m.id, headers: { ...m.headers } }));
          // The consumer group exists before anything is sent, as in production; its workers are children.
          const creator = mq.queue(queue).consumer({ group: 'g' });
          await creator.run(() => undefined);
          await creator.close();
          const ids = await sendNumbered(config, queue, 200);
          const poisonId = ids[poison] as string;
          const others = ids.filter((id) => id !== poisonId);
          const started = Date.now();
          // Concurrency 4: the messages delivered beside the poison die with it the first time; after
          // that each suspect runs alone, so only the poison's crashes are counted against it.
          const run = await superviseChildConsumer(
            { config, queue, group: 'g', concurrency: 4, mode: 'poison', workMs: 2, poison, maxAttempts },
            ({ handled }) => dead.length > 0 && others.every((id) => handled.has(id)),
            { maxRestarts: maxAttempts + 2, timeoutMs: 200_000 },
          );
          const poisonRuns = run.delivered.filter((id) => id === poisonId).length;
          const duplicated =
            run.delivered.filter((id) => id !== poisonId).length -
            new Set(run.delivered.filter((id) => id !== poisonId)).size;
          recordRow({
            scenario: 'handler kills its process on one message, supervisor restarts it',
            backend,
            sent: ids.length,
            delivered: others.filter((id) => run.handled.has(id)).length + dead.length,
            lost: others.filter((id) => !run.handled.has(id)).length + (dead.length === 0 ? 1 : 0),
            duplicated,
            recoveryMs: Date.now() - started,
            notes: `concurrency 4, maxAttempts ${maxAttempts}: the poison ran ${poisonRuns} times, killed ${run.restarts} processes, then was dead-lettered as ${dead[0]?.headers['x-anymq-error-code']}; ${dead.length - 1} other messages dead-lettered; ${crashCounting[backend]}`,
          });
          expect(dead.map((d) => d.id)).toEqual([poisonId]);
          expect(dead[0]?.headers).toMatchObject({
            'x-anymq-error-code': 'CONSUMER_CRASHED',
            'x-anymq-origin-attempt': String(maxAttempts + 1),
          });
          expect(run.restarts).toBe(maxAttempts);
          expect(poisonRuns).toBe(maxAttempts);
          expect(others.filter((id) => !run.handled.has(id))).toEqual([]);
        },
      );
    },
  );
}
