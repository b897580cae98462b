// A consumer process that takes messages and never finishes them: the test kills it with SIGKILL
// while it holds them. Usage: node doomed-consumer.mjs <proxy address> <queue>
import { connect } from '@anymq/core';
import { ZmqBrokeredTransport } from '@anymq/zeromq';

const [address, queue] = process.argv.slice(2);
const mq = await connect(new ZmqBrokeredTransport({ backend: 'zeromq', address, heartbeatIntervalMs: 100 }));
await mq
  .queue(queue)
  .consumer({ group: 'workers', concurrency: 5 })
  .run(async (message) => {
    process.stdout.write(`held ${JSON.stringify(message.body)}\n`);
    await new Promise(() => undefined);
  });
process.stdout.write('ready\n');
