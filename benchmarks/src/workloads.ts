// One measurement in this process: `node src/worker.ts '<spec json>'` prints a JSON result line.
// Raw implementations use each client the best way it allows; anymq ones go through @anymq/core.
import { bytesCodec, connect, type ConfigInput } from '@anymq/core';
import { RingBuffer } from '@anymq/memory';
import { openTelemetry } from '@anymq/otel';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
// Their config types (each adapter adds its own to core's AdapterConfigs), for the configs below.
import type {} from '@anymq/kafka';
import type {} from '@anymq/nats';
import type {} from '@anymq/rabbitmq';
import type {} from '@anymq/redis';
import type {} from '@anymq/zeromq';
import { AckPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Pull, Push } from 'zeromq';

export type Backend = 'memory' | 'rabbitmq' | 'kafka' | 'zeromq' | 'nats' | 'redis';
export interface Spec {
  backend: Backend;
  /**
   * `traced`: anymq with @anymq/otel's tracing and metrics on, exported to nowhere (the SDK's cost,
   * not an exporter's). `batch`: anymq consuming with `runBatch` (128 messages, two batches in hand).
   */
  impl: 'raw' | 'anymq' | 'traced' | 'batch';
  kind: 'throughput' | 'latency';
  size: number;
  count: number;
  /** Messages per second for latency runs. */
  rate?: number;
  rabbitmqUrl?: string;
  kafkaBrokers?: string[];
  natsServers?: string[];
  redisUrl?: string;
}
/** msg/s for throughput; ms percentiles for latency. */
export type Result = Record<string, number>;

const WINDOW = 1000;
const handler = async (_body: Uint8Array) => undefined; // the same async handler on both sides

export async function measure(spec: Spec): Promise<Result> {
  if (spec.kind === 'latency') return spec.impl === 'raw' ? rawLatency(spec) : anymqLatency(spec);
  if (spec.backend === 'memory' && spec.impl === 'raw') return ringBufferLoop(spec);
  if (spec.impl !== 'raw') return anymqThroughput(spec);
  if (spec.backend === 'rabbitmq') return amqplibThroughput(spec);
  if (spec.backend === 'kafka') return kafkajsThroughput(spec);
  if (spec.backend === 'nats') return jetstreamThroughput(spec);
  if (spec.backend === 'redis') return ioredisThroughput(spec);
  return zeromqThroughput(spec);
}

function config(spec: Spec, address?: string): ConfigInput {
  switch (spec.backend) {
    case 'memory':
      return 'memory://';
    case 'rabbitmq':
      return { backend: 'rabbitmq', url: spec.rabbitmqUrl as string };
    case 'kafka':
      return { backend: 'kafka', brokers: spec.kafkaBrokers as string[] };
    case 'zeromq':
      return { backend: 'zeromq', address: address ?? 'tcp://127.0.0.1:*', mode: 'push-pull' };
    case 'nats':
      return { backend: 'nats', servers: spec.natsServers as string[] };
    case 'redis':
      return spec.redisUrl as string;
  }
}

/** OpenTelemetry's SDK as an application runs it (context manager, W3C propagation, batching), exporting nowhere. */
function tracing() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const discard = {
    export: (_spans: unknown, done: (result: { code: ExportResultCode }) => void) =>
      done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => undefined,
  };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  return openTelemetry({ tracerProvider, meterProvider: new MeterProvider() });
}

const perSecond = (count: number, ms: number) => Math.round(count / (Math.max(ms, 0.001) / 1000));

/** The bare loop the memory transport is measured against: a ring buffer and the same handler. */
async function ringBufferLoop(spec: Spec): Promise<Result> {
  const body = Buffer.alloc(spec.size, 1);
  const ring = new RingBuffer<Uint8Array>();
  const started = performance.now();
  for (let i = 0; i < spec.count; i++) ring.push(body);
  for (let next = ring.shift(); next; next = ring.shift()) await handler(next);
  const ms = performance.now() - started;
  return { producer: perSecond(spec.count, ms), consumer: perSecond(spec.count, ms) };
}

/**
 * anymq: a producer sends `count` messages (windows of 1000 sends in flight); then a consumer
 * (concurrency 256) receives and acks them. Memory and ZeroMQ need the consumer running meanwhile.
 */
async function anymqThroughput(spec: Spec): Promise<Result> {
  const mq = await connect(config(spec), spec.impl === 'traced' ? { middleware: [tracing()] } : {});
  const queue = mq.queue<Uint8Array>(`bench-${randomUUID().slice(0, 8)}`, { codec: bytesCodec });
  const body = Buffer.alloc(spec.size, 1);
  let received = 0;
  let firstAt = 0;
  let allReceived!: () => void;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  const consume = () =>
    spec.impl === 'batch'
      ? queue.consumer({ group: 'bench', concurrency: 2 }).runBatch(
          async (messages) => {
            firstAt ||= performance.now();
            for (const message of messages) await handler(message.body);
            if ((received += messages.length) === spec.count) allReceived();
          },
          { maxMessages: 128, maxWaitMs: 5 },
        )
      : queue.consumer({ group: 'bench', concurrency: 256 }).run(async (message) => {
          firstAt ||= performance.now();
          await handler(message.body);
          if (++received === spec.count) allReceived();
        });
  const concurrent = spec.backend === 'memory' || spec.backend === 'zeromq';
  if (concurrent) await consume();
  else {
    // Create the group (its queue) first, so that what is sent waits for the measured consumer.
    const creator = queue.consumer({ group: 'bench' });
    await creator.run(() => undefined);
    await creator.close();
  }
  const producer = queue.producer();
  const started = performance.now();
  for (let sent = 0; sent < spec.count; sent += WINDOW) {
    await Promise.all(Array.from({ length: Math.min(WINDOW, spec.count - sent) }, () => producer.send(body)));
  }
  const producerMs = performance.now() - started;
  if (!concurrent) await consume();
  await done;
  const consumerMs = performance.now() - (concurrent ? started : firstAt);
  await mq.close();
  return { producer: perSecond(spec.count, producerMs), consumer: perSecond(spec.count, consumerMs) };
}

/** amqplib: confirm channel with a bounded pipelined window; then prefetch 500, ack every 100. */
async function amqplibThroughput(spec: Spec): Promise<Result> {
  const connection = await amqpConnect(spec.rabbitmqUrl as string);
  const channel = await connection.createConfirmChannel();
  const exchange = `raw-${randomUUID().slice(0, 8)}`;
  const queue = `${exchange}.bench`;
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, '#');
  const body = Buffer.alloc(spec.size, 1);
  const started = performance.now();
  let inFlight = 0;
  let room: (() => void) | undefined;
  for (let i = 0; i < spec.count; i++) {
    while (inFlight >= WINDOW) await new Promise<void>((resolve) => (room = resolve));
    inFlight++;
    const ok = channel.publish(exchange, '', body, { persistent: true, messageId: String(i) }, () => {
      inFlight--;
      room?.();
    });
    if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
  }
  await channel.waitForConfirms();
  const producerMs = performance.now() - started;
  const consumer = await connection.createChannel();
  await consumer.prefetch(500);
  let received = 0;
  const consumeStarted = performance.now();
  await new Promise<void>((resolve) => {
    void consumer.consume(queue, (message) => {
      if (!message) return;
      void handler(message.content).then(() => {
        received++;
        if (received % 100 === 0 || received === spec.count) consumer.ack(message, true);
        if (received === spec.count) resolve();
      });
    });
  });
  const consumerMs = performance.now() - consumeStarted;
  await connection.close();
  return { producer: perSecond(spec.count, producerMs), consumer: perSecond(spec.count, consumerMs) };
}

/** Plain kafkajs: a fresh topic of 4 partitions and a connected idempotent producer. */
async function rawKafka(spec: Spec, prefix: string) {
  const kafka = new Kafka({ brokers: spec.kafkaBrokers as string[], logLevel: logLevel.NOTHING });
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return { kafka, topic, producer };
}

/** kafkajs: idempotent acks=all producer, sendBatch of 1000; then eachBatch, commit per batch. */
async function kafkajsThroughput(spec: Spec): Promise<Result> {
  const { kafka, topic, producer } = await rawKafka(spec, 'raw');
  const body = Buffer.alloc(spec.size, 1);
  const started = performance.now();
  // Batches as large as the broker's 1 MiB request limit allows.
  const batchSize = Math.min(WINDOW, Math.floor(900_000 / (spec.size + 100)));
  for (let sent = 0; sent < spec.count; sent += batchSize) {
    const messages = Array.from({ length: Math.min(batchSize, spec.count - sent) }, () => ({ value: body }));
    await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
  }
  const producerMs = performance.now() - started;
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}.bench`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let received = 0;
  let firstAt = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        firstAt ||= performance.now();
        for (const message of batch.messages) {
          await handler(message.value as Buffer);
          resolveOffset(message.offset);
          received++;
        }
        await commitOffsetsIfNecessary();
        if (received >= spec.count) resolve();
      },
    });
  });
  const consumerMs = performance.now() - firstAt;
  await consumer.disconnect();
  return { producer: perSecond(spec.count, producerMs), consumer: perSecond(spec.count, consumerMs) };
}

/** @nats-io/jetstream: a file stream and a durable pull consumer, as anymq makes them. */
async function rawJetstream(spec: Spec, prefix: string) {
  const connection = await natsConnect({ servers: spec.natsServers as string[] });
  const jsm = await jetstreamManager(connection);
  const stream = `${prefix}-${randomUUID().slice(0, 8)}`;
  await jsm.streams.add({ name: stream, subjects: [stream], storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit });
  const js = jetstream(connection);
  return { connection, jsm, js, stream, consumer: await js.consumers.get(stream, 'bench') };
}

/** @nats-io/jetstream: a window of acked publishes; then consume() with an ack per message. */
async function jetstreamThroughput(spec: Spec): Promise<Result> {
  const { connection, jsm, js, stream, consumer } = await rawJetstream(spec, 'raw');
  const body = Buffer.alloc(spec.size, 1);
  const started = performance.now();
  for (let sent = 0; sent < spec.count; sent += WINDOW) {
    const batch = Math.min(WINDOW, spec.count - sent);
    await Promise.all(Array.from({ length: batch }, () => js.publish(stream, body)));
  }
  const producerMs = performance.now() - started;
  const consumeStarted = performance.now();
  const messages = await consumer.consume({ max_messages: 500 });
  let received = 0;
  for await (const message of messages) {
    await handler(message.data);
    message.ack();
    if (++received === spec.count) break;
  }
  const consumerMs = performance.now() - consumeStarted;
  await jsm.streams.delete(stream);
  await connection.close();
  return { producer: perSecond(spec.count, producerMs), consumer: perSecond(spec.count, consumerMs) };
}

/** ioredis: pipelined XADD in windows; then XREADGROUP of 500 with one XACK per batch. */
async function ioredisThroughput(spec: Spec): Promise<Result> {
  const redis = new Redis(spec.redisUrl as string, { protocol: 2 });
  const stream = `raw-${randomUUID().slice(0, 8)}`;
  await redis.xgroup('CREATE', stream, 'bench', '0', 'MKSTREAM');
  const body = Buffer.alloc(spec.size, 1);
  const started = performance.now();
  for (let sent = 0; sent < spec.count; sent += WINDOW) {
    const pipeline = redis.pipeline();
    for (let i = sent; i < Math.min(spec.count, sent + WINDOW); i++) pipeline.xadd(stream, '*', 'body', body);
    await pipeline.exec();
  }
  const producerMs = performance.now() - started;
  const consumeStarted = performance.now();
  for (let received = 0; received < spec.count;) {
    const entries = await readGroup(redis, stream, 500);
    for (const [, fields] of entries) await handler(fields[1] as Buffer);
    if (entries.length > 0) await redis.xack(stream, 'bench', ...entries.map(([id]) => id));
    received += entries.length;
  }
  const consumerMs = performance.now() - consumeStarted;
  await redis.del(stream);
  redis.disconnect();
  return { producer: perSecond(spec.count, producerMs), consumer: perSecond(spec.count, consumerMs) };
}

async function readGroup(redis: Redis, stream: string, count: number): Promise<[Buffer, Buffer[]][]> {
  const reply = (await redis.callBuffer(
    'XREADGROUP',
    'GROUP',
    'bench',
    'raw',
    'COUNT',
    count,
    'BLOCK',
    1000,
    'STREAMS',
    stream,
    '>',
  )) as [Buffer, [Buffer, Buffer[]][]][] | null;
  return reply?.[0]?.[1] ?? [];
}

/** zeromq: PUSH awaiting each send, PULL draining in the same process. */
async function zeromqThroughput(spec: Spec): Promise<Result> {
  const push = new Push({ sendHighWaterMark: 1000 });
  await push.bind('tcp://127.0.0.1:*');
  const pull = new Pull({ receiveHighWaterMark: 1000 });
  pull.connect(push.lastEndpoint as string);
  const body = Buffer.alloc(spec.size, 1);
  let received = 0;
  const receiving = (async () => {
    for await (const [frame] of pull) {
      await handler(frame as Buffer);
      if (++received === spec.count) break;
    }
  })();
  const started = performance.now();
  for (let i = 0; i < spec.count; i++) await push.send(body);
  const producerMs = performance.now() - started;
  await receiving;
  const consumerMs = performance.now() - started;
  push.close();
  pull.close();
  return { producer: perSecond(spec.count, producerMs), consumer: perSecond(spec.count, consumerMs) };
}

/** Latency at a fixed rate below saturation, from the intended send time (publish delay included). */
async function latencyRun(
  spec: Spec,
  open: () => Promise<{
    send(index: number, body: Uint8Array): Promise<void>;
    onReceive(callback: (index: number) => void): Promise<void>;
    close(): Promise<void>;
  }>,
): Promise<Result> {
  const rate = spec.rate ?? 1000;
  const link = await open();
  const intended: number[] = [];
  const latencies: number[] = [];
  let allReceived!: () => void;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  await link.onReceive((index) => {
    latencies.push(performance.now() - (intended[index] as number));
    if (latencies.length === spec.count) allReceived();
  });
  const body = Buffer.alloc(spec.size, 1);
  const start = performance.now() + 50;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < spec.count; i++) {
    const planned = start + (i * 1000) / rate;
    const wait = planned - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // Late: count from the planned time (publish delay included). Early (timer slack): from now.
    intended[i] = Math.min(planned, performance.now());
    const stamped = Buffer.from(body);
    stamped.writeUInt32BE(i, 0);
    sends.push(link.send(i, stamped));
  }
  await Promise.all(sends);
  await done;
  await link.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number).toFixed(2));
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

function anymqLatency(spec: Spec): Promise<Result> {
  return latencyRun(spec, async () => {
    const mq = await connect(config(spec));
    const queue = mq.queue<Uint8Array>(`lat-${randomUUID().slice(0, 8)}`, { codec: bytesCodec });
    const producer = queue.producer();
    return {
      send: async (_index, body) => void (await producer.send(body)),
      onReceive: (callback) =>
        queue.consumer({ group: 'bench', concurrency: 64 }).run((m) => callback(Buffer.from(m.body).readUInt32BE(0))),
      close: () => mq.close(),
    };
  });
}

function rawLatency(spec: Spec): Promise<Result> {
  return latencyRun(spec, async () => {
    switch (spec.backend) {
      case 'memory': {
        // A bare in-process hand-off: a ring buffer drained by the same async handler.
        const ring = new RingBuffer<Uint8Array>();
        let deliver: (index: number) => void = () => undefined;
        let draining = false;
        const drain = async () => {
          if (draining) return;
          draining = true;
          for (let next = ring.shift(); next; next = ring.shift()) {
            await handler(next);
            deliver(Buffer.from(next).readUInt32BE(0));
          }
          draining = false;
        };
        return {
          send: async (_index, body) => {
            ring.push(body);
            void drain();
          },
          onReceive: async (callback) => void (deliver = callback),
          close: async () => undefined,
        };
      }
      case 'rabbitmq': {
        const connection = await amqpConnect(spec.rabbitmqUrl as string);
        const channel = await connection.createConfirmChannel();
        const consumer = await connection.createChannel();
        const queue = `raw-lat-${randomUUID().slice(0, 8)}`;
        await channel.assertQueue(queue, { durable: true });
        await consumer.prefetch(64);
        return {
          send: (_index, body) =>
            new Promise<void>((resolve, reject) =>
              channel.sendToQueue(queue, Buffer.from(body), { persistent: true }, (error: unknown) =>
                error ? reject(error) : resolve(),
              ),
            ),
          onReceive: async (callback) => {
            await consumer.consume(queue, (message) => {
              if (!message) return;
              void handler(message.content).then(() => {
                consumer.ack(message);
                callback(message.content.readUInt32BE(0));
              });
            });
          },
          close: () => connection.close(),
        };
      }
      case 'kafka': {
        const { kafka, topic, producer } = await rawKafka(spec, 'raw-lat');
        const consumer = kafka.consumer({ groupId: `${topic}.bench`, maxWaitTimeInMs: 10 });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        return {
          send: async (_index, body) =>
            void (await producer.send({ topic, acks: -1, messages: [{ value: Buffer.from(body) }] })),
          onReceive: async (callback) => {
            const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
            await consumer.run({
              eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
                for (const message of batch.messages) {
                  await handler(message.value as Buffer);
                  resolveOffset(message.offset);
                  callback((message.value as Buffer).readUInt32BE(0));
                }
                await commitOffsetsIfNecessary();
              },
            });
            await joined; // before the first send, as anymq's run() does
          },
          close: async () => {
            await consumer.disconnect();
            await producer.disconnect();
          },
        };
      }
      case 'nats': {
        const { connection, jsm, js, stream, consumer } = await rawJetstream(spec, 'raw-lat');
        return {
          send: async (_index, body) => void (await js.publish(stream, body)),
          onReceive: async (callback) => {
            const messages = await consumer.consume({ max_messages: 64 });
            void (async () => {
              for await (const message of messages) {
                await handler(message.data);
                message.ack();
                callback(Buffer.from(message.data).readUInt32BE(0));
              }
            })().catch(() => undefined);
          },
          close: async () => {
            await jsm.streams.delete(stream);
            await connection.close();
          },
        };
      }
      case 'redis': {
        const redis = new Redis(spec.redisUrl as string, { protocol: 2 });
        const reader = new Redis(spec.redisUrl as string, { protocol: 2 });
        const stream = `raw-lat-${randomUUID().slice(0, 8)}`;
        await redis.xgroup('CREATE', stream, 'bench', '0', 'MKSTREAM');
        let open = true;
        return {
          send: async (_index, body) => void (await redis.xadd(stream, '*', 'body', Buffer.from(body))),
          onReceive: async (callback) => {
            void (async () => {
              while (open) {
                for (const [id, fields] of await readGroup(reader, stream, 64)) {
                  await handler(fields[1] as Buffer);
                  await redis.xack(stream, 'bench', id);
                  callback((fields[1] as Buffer).readUInt32BE(0));
                }
              }
            })().catch(() => undefined);
          },
          close: async () => {
            open = false;
            await redis.del(stream);
            redis.disconnect();
            reader.disconnect();
          },
        };
      }
      case 'zeromq': {
        const push = new Push();
        await push.bind('tcp://127.0.0.1:*');
        const pull = new Pull();
        pull.connect(push.lastEndpoint as string);
        let sending = Promise.resolve();
        return {
          // one send in flight per socket (zeromq v6): chain them
          send: (_index, body) => (sending = sending.then(() => push.send(Buffer.from(body)))),
          onReceive: async (callback) => {
            void (async () => {
              for await (const [frame] of pull) {
                await handler(frame as Buffer);
                callback((frame as Buffer).readUInt32BE(0));
              }
            })().catch(() => undefined);
          },
          close: async () => {
            push.close();
            pull.close();
          },
        };
      }
    }
  });
}
