// Throughput of the ZeroMQ transport through the anymq API, 100-byte messages, one process:
// brokered (through an in-process anymq-zmq-proxy) and push-pull. Measures and prints; asserts nothing.
// Usage: node bench/throughput.mjs [messages]
import { bytesCodec, connect } from '@anymq/core';
import { ZmqBrokeredTransport, ZmqDirectTransport, ZmqProxy } from '@anymq/zeromq';

const total = Number(process.argv[2] ?? 100_000);
const body = Buffer.alloc(100, 7);

async function run(label, transport, { concurrency }) {
  const mq = await connect(transport);
  const queue = mq.queue(`bench-${Date.now()}`, { codec: bytesCodec });
  let received = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  await queue.consumer({ group: 'bench', concurrency }).run(() => {
    if (++received === total) done();
  });
  const producer = queue.producer();
  const started = performance.now();
  for (let sent = 0; sent < total; sent += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, total - sent) }, () => producer.send(body)));
  }
  const sentMs = performance.now() - started;
  await finished;
  const totalMs = performance.now() - started;
  console.log(
    `${label}: ${total} x 100 B, send ${Math.round(total / (sentMs / 1000))} msg/s, ` +
      `end to end ${Math.round(total / (totalMs / 1000))} msg/s`,
  );
  await mq.close();
}

const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*' });
await proxy.start();
await run('zeromq brokered', new ZmqBrokeredTransport({ backend: 'zeromq', address: proxy.endpoint }), { concurrency: 100 });
await proxy.close();
await run('zeromq push-pull', new ZmqDirectTransport({ backend: 'zeromq', address: 'tcp://127.0.0.1:*' }, 'push-pull'), { concurrency: 100 });
