// `anymq doctor` makes a throwaway queue for its round trip; it must leave nothing on the broker.
import { connect as amqpConnect } from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const cli = fileURLToPath(new URL('../node_modules/@anymq/cli/dist/cli.js', import.meta.url));
const backends = inject('backends');

function doctor(...args: string[]): string {
  const run = spawnSync(process.execPath, [cli, ...args, 'doctor'], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  const queue = /round trip through (anymq-doctor-[0-9a-f]{8})/.exec(run.stdout)?.[1];
  expect(queue, run.stdout).toBeDefined();
  return queue as string;
}

describe('anymq doctor leaves no topology behind', () => {
  it.runIf(backends.includes('rabbitmq'))(
    'on RabbitMQ: no exchange, no group queue, no dead-letter queue',
    async () => {
      const url = inject('rabbitmqUrl');
      const queue = doctor('--url', url);
      const connection = await amqpConnect(url);
      try {
        for (const check of [
          (ch: Awaited<ReturnType<typeof connection.createChannel>>) => ch.checkExchange(queue),
          (ch: Awaited<ReturnType<typeof connection.createChannel>>) => ch.checkQueue(`${queue}.doctor`),
          (ch: Awaited<ReturnType<typeof connection.createChannel>>) => ch.checkQueue(`${queue}.dlq`),
        ]) {
          const channel = await connection.createChannel();
          channel.on('error', () => undefined);
          await expect(check(channel)).rejects.toMatchObject({ code: 404 });
        }
      } finally {
        await connection.close();
      }
    },
  );

  it.runIf(backends.includes('kafka'))('on Kafka: no topic and no consumer group', async () => {
    const brokers = inject('kafkaBrokers');
    const queue = doctor('--url', `kafka://${brokers.join(',')}`);
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((topic) => topic.startsWith(queue))).toEqual([]);
      const { groups } = await admin.listGroups();
      expect(groups.filter((group) => group.groupId.startsWith(queue))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
