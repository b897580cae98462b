// One trace across a real broker: @anymq/otel writes the W3C trace context into the headers of
// every message, each backend carries them, and the consumer's spans continue the producer's trace.
import { Inbox } from '@anymq/contract';
import { type ConfigInput, connect } from '@anymq/core';
import type {} from '@anymq/memory';
import { openTelemetry } from '@anymq/otel';
import { ZmqProxy } from '@anymq/zeromq';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisConfig } from './redis-config.ts';
import { until } from './until.ts';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const proxy = new ZmqProxy({ address: 'tcp://127.0.0.1:*' });

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  await proxy.start();
});
afterAll(async () => {
  context.disable();
  propagation.disable();
  await proxy.close();
});

const cases: [string, () => ConfigInput][] = [
  ['memory', () => ({ backend: 'memory' })],
  ['zeromq brokered', () => ({ backend: 'zeromq', address: proxy.endpoint })],
  ['rabbitmq', () => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') })],
  ['kafka', () => ({ backend: 'kafka', brokers: inject('kafkaBrokers') })],
  ['nats', () => ({ backend: 'nats', servers: inject('natsServers') })],
  ['redis', () => redisConfig(inject('redisUrl'))],
];
const brokers = new Set(['rabbitmq', 'kafka', 'nats', 'redis']);
/** Where the conventions name the message key: Kafka's key, RabbitMQ's routing key (anymq routes by the key). */
const keyAttributes: Record<string, string> = {
  kafka: 'messaging.kafka.message.key',
  rabbitmq: 'messaging.rabbitmq.destination.routing_key',
};

/** The finished spans of one queue's operations (`send`, `process`, `ack`, …), read when asked. */
const spansOf = (queue: string, operation: string) =>
  spans.getFinishedSpans().filter((span) => span.name === `${operation} ${queue}`);

const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;

for (const [backend, config] of cases) {
  describe.runIf(!brokers.has(backend) || inject('backends').includes(backend))(`${backend}: tracing`, () => {
    it(
      'one trace from the sender to the handler and its spans; a retried message has a process span per attempt, a dead-lettered one the event',
      { timeout: 120_000 },
      async (ctx) => {
        const mq = await connect(config(), { middleware: [openTelemetry({ tracerProvider })] });
        const queue = `traced-${randomUUID().slice(0, 8)}`;
        ctx.onTestFinished(async () => {
          await mq.deleteQueue(queue, { groups: ['billing'] }).catch(() => undefined);
          await mq.close();
        });
        const handled = new Inbox<string>();
        const tracer = tracerProvider.getTracer('app');
        await mq
          .queue<string>(queue)
          .consumer({ group: 'billing', retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } })
          .run((m) => {
            handled.push(`${m.body}#${m.attempt}`);
            if (m.body === 'declined') throw new Error('card declined');
            tracer.startSpan(`charge ${queue}`).end();
          });
        const request = tracer.startSpan('POST /orders');
        await context.with(trace.setSpan(context.active(), request), async () => {
          const producer = mq.queue<string>(queue).producer();
          await producer.send('paid', { key: 'customer-7' });
          await producer.send('declined');
        });
        request.end();
        const named = (operation: string) => spansOf(queue, operation);
        await until(
          () => named('ack').length === 1 && named('dead_letter').length === 1,
          `the ack of "paid" and the dead-lettering of "declined" on ${backend}`,
          60_000,
        );

        const app = spansOf(queue, 'charge');
        const traceId = request.spanContext().traceId;
        const sends = named('send');
        expect(sends).toHaveLength(2);
        const processes = named('process');
        expect(processes.map((span) => span.attributes['anymq.outcome']).sort()).toEqual([
          'acked',
          'dead-lettered',
          'retried',
        ]);
        for (const span of [...sends, ...processes, ...app, ...named('ack'), ...named('dead_letter')]) {
          expect(span.spanContext().traceId, `${span.name} is in the request's trace`).toBe(traceId);
        }
        const sendIds = sends.map((send) => send.spanContext().spanId);
        const paid = processes.find((span) => span.attributes['anymq.outcome'] === 'acked');
        expect(sendIds).toContain(parentOf(paid));
        expect(parentOf(app[0])).toBe(paid?.spanContext().spanId);
        const keyAttribute = keyAttributes[backend];
        if (keyAttribute) expect(paid?.attributes[keyAttribute]).toBe('customer-7');
        // Both attempts of "declined" are children of its one send span.
        const attempts = processes.filter((span) => span.attributes['anymq.outcome'] !== 'acked');
        expect(new Set(attempts.map(parentOf)).size).toBe(1);
        expect(sendIds).toContain(parentOf(attempts[0]));
        expect(parentOf(attempts[0])).not.toBe(parentOf(paid));
        const deadLettered = attempts.find((span) => span.attributes['anymq.outcome'] === 'dead-lettered');
        expect(deadLettered?.events.map((event) => event.name)).toContain('dead_letter');
        expect(deadLettered?.attributes['anymq.message.attempt']).toBe(2);
        expect(handled.items.sort()).toEqual(['declined#1', 'declined#2', 'paid#1']);
      },
    );
  });
}
