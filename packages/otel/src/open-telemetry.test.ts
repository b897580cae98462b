// The middleware against the real OpenTelemetry SDK (in-memory exporters) and the memory backend.
// The same trace across real brokers is in integration-tests/src/tracing.test.ts.
import { Inbox } from '@anymq/contract';
import { type Client, PublishError, connect } from '@anymq/core';
import '@anymq/memory';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTelemetry } from './open-telemetry.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush = () => Promise.resolve();
  protected onShutdown = () => Promise.resolve();
}

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
});
afterAll(() => {
  context.disable();
  propagation.disable();
});

let mq: Client | undefined;
afterEach(async () => {
  await mq?.close();
  mq = undefined;
  spans.reset();
});

const tracing = () => openTelemetry({ tracerProvider, meterProvider });
const named = (name: string) => spans.getFinishedSpans().filter((span) => span.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out after 5 s waiting for ${what}`);
}

describe('openTelemetry()', () => {
  it('carries one trace from the caller through send and process to spans the handler starts, and the ack', async () => {
    mq = await connect({ backend: 'memory' }, { middleware: [tracing()] });
    const queue = mq.queue<{ order: number }>('otel-orders');
    const handled = new Inbox<string>();
    await queue.consumer({ group: 'billing' }).run(async (m) => {
      const child = tracerProvider.getTracer('app').startSpan('charge card');
      child.end();
      handled.push(m.id);
    });
    const request = tracerProvider.getTracer('app').startSpan('POST /orders');
    const { id } = await context.with(trace.setSpan(context.active(), request), () =>
      queue.producer().send({ order: 1 }, { key: 'customer-7' }),
    );
    request.end();
    await handled.waitFor(1, 'the order', 5_000);
    await until(() => named('ack otel-orders').length === 1, 'the ack span');

    const [send] = named('send otel-orders');
    const [process] = named('process otel-orders');
    const [charge] = named('charge card');
    const [ack] = named('ack otel-orders');
    const traceId = request.spanContext().traceId;
    for (const span of [send, process, charge, ack]) expect(span?.spanContext().traceId).toBe(traceId);
    expect(parentOf(send as ReadableSpan)).toBe(request.spanContext().spanId);
    expect(parentOf(process as ReadableSpan)).toBe(send?.spanContext().spanId);
    expect(process?.links.map((link) => link.context.spanId)).toEqual([send?.spanContext().spanId]);
    expect(parentOf(charge as ReadableSpan)).toBe(process?.spanContext().spanId);
    expect(parentOf(ack as ReadableSpan)).toBe(process?.spanContext().spanId);
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    expect(ack?.kind).toBe(SpanKind.CLIENT);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'otel-orders',
      'messaging.operation.type': 'send',
      'messaging.message.id': id,
    });
    expect(process?.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'billing',
      'messaging.message.id': id,
      'anymq.message.attempt': 1,
      'anymq.outcome': 'acked',
    });
    expect(ack?.attributes).toMatchObject({ 'messaging.operation.type': 'settle', 'messaging.operation.name': 'ack' });
  });

  it('gives each attempt a process span under the same send span, with the retry and the dead-lettering as events', async () => {
    mq = await connect({ backend: 'memory' }, { middleware: [tracing()] });
    const queue = mq.queue<string>('otel-failing');
    await queue.consumer({ group: 'g', retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } }).run(() => {
      throw new TypeError('card declined');
    });
    await queue.producer().send('x');
    await until(() => named('dead_letter otel-failing').length === 1, 'the dead-letter settle span');

    const [send] = named('send otel-failing');
    const attempts = named('process otel-failing').sort(
      (a, b) => Number(a.attributes['anymq.message.attempt']) - Number(b.attributes['anymq.message.attempt']),
    );
    expect(attempts).toHaveLength(2);
    for (const span of attempts) {
      expect(parentOf(span)).toBe(send?.spanContext().spanId);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('TypeError');
    }
    expect(attempts[0]?.events.map((event) => event.name)).toEqual(['exception', 'retry']);
    expect(attempts[1]?.events.map((event) => event.name)).toEqual(['exception', 'dead_letter']);
    expect(attempts[1]?.events[1]?.attributes).toMatchObject({
      'anymq.dead_letter.queue': 'otel-failing.dlq',
      'exception.message': 'card declined',
    });
    expect(named('retry otel-failing')).toHaveLength(1);
  });

  it('carries baggage to the handler when the propagator writes it', async () => {
    mq = await connect({ backend: 'memory' }, { middleware: [tracing()] });
    const queue = mq.queue<string>('otel-baggage');
    const seen = new Inbox<string | undefined>();
    await queue.consumer({ group: 'g' }).run(() => {
      seen.push(propagation.getBaggage(context.active())?.getEntry('tenant')?.value);
    });
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    await context.with(propagation.setBaggage(context.active(), baggage), () => queue.producer().send('x'));
    expect(await seen.waitFor(1, 'the message', 5_000)).toEqual(['acme']);
  });

  it('marks a send that failed with its error type, and rethrows', async () => {
    const refuse = { send: () => Promise.reject(new PublishError('the broker did not confirm')) };
    mq = await connect({ backend: 'memory' }, { middleware: [tracing(), refuse] });
    await expect(mq.queue('otel-refused').producer().send('x')).rejects.toThrow(PublishError);
    const [send] = named('send otel-refused');
    expect(send?.status.code).toBe(SpanStatusCode.ERROR);
    expect(send?.attributes['error.type']).toBe('PUBLISH_FAILED');
  });

  it('counts sent and consumed messages and records process and operation durations in seconds', async () => {
    mq = await connect({ backend: 'memory' }, { middleware: [tracing()] });
    const queue = mq.queue<number>('otel-metrics');
    const handled = new Inbox<number>();
    await queue.consumer({ group: 'g' }).run((m) => handled.push(m.body));
    await queue.producer().sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
    await handled.waitFor(3, 'three messages', 5_000);
    await until(() => named('ack otel-metrics').length === 3, 'three acks');

    const { resourceMetrics } = await reader.collect();
    const points = (name: string) => pointsOf(resourceMetrics, name, 'otel-metrics');
    expect(points('messaging.client.sent.messages').reduce((sum, p) => sum + Number(p.value), 0)).toBe(3);
    expect(points('messaging.client.consumed.messages').reduce((sum, p) => sum + Number(p.value), 0)).toBe(3);
    const process = points('messaging.process.duration');
    expect(process.reduce((sum, p) => sum + (p.value as { count: number }).count, 0)).toBe(3);
    const operations = points('messaging.client.operation.duration').map(
      (p) => p.attributes['messaging.operation.name'],
    );
    expect(operations).toEqual(expect.arrayContaining(['send', 'ack']));
  });
});

function pointsOf(resourceMetrics: ResourceMetrics, name: string, queue: string) {
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as { value: unknown; attributes: Record<string, unknown> }[])
    .filter((point) => point.attributes['messaging.destination.name'] === queue);
}
