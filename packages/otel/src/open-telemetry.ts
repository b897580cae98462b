import type { HandleContext, Middleware, Outcome, SendContext } from '@anymq/core';
import {
  type Attributes,
  type Context,
  type MeterProvider,
  type TextMapPropagator,
  type TracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { Attr, DURATION_BUCKETS, Metric } from './semconv.js';

/** Which OpenTelemetry providers and propagator to use; each defaults to the global one. */
export interface OpenTelemetryOptions {
  /** Default: the global one (`trace.getTracerProvider()`), a no-op until an SDK registers one. */
  tracerProvider?: TracerProvider;
  /** Default: the global one (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** How the trace context is written into and read from headers. Default: the global propagator. */
  propagator?: TextMapPropagator;
}

const SCOPE = '@anymq/otel';

/** Settlement operation names, per outcome (`messaging.operation.name` of the settle span). */
const settleNames: Record<Outcome['kind'], string> = {
  acked: 'ack',
  duplicate: 'ack',
  retried: 'retry',
  'dead-lettered': 'dead_letter',
  'handed-back': 'release',
  unsettled: 'settle',
};

/**
 * Tracing and metrics for anymq, per the OpenTelemetry messaging semantic conventions. Pass it to
 * `connect(url, { middleware: [openTelemetry()] })`.
 *
 * - `send <queue>` (PRODUCER) around each `send`/`sendBatch`; its context travels in every
 *   message's headers (W3C `traceparent`/`tracestate`, and `baggage` where the propagator writes it).
 * - `process <queue>` (CONSUMER) around each delivery: a child of the producer's span and linked to
 *   it, so one trace runs from the request that sent an order to the handler that charged it; spans
 *   the handler starts nest under it. Every attempt is a process span of its own; a retry and a
 *   dead-lettering are events on it, with the error.
 * - `<ack|retry|dead_letter|release> <queue>` (CLIENT) for the settlement, under the process span.
 * - Metrics `messaging.client.sent.messages`, `messaging.client.consumed.messages`,
 *   `messaging.process.duration` and `messaging.client.operation.duration` (seconds).
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Middleware {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const propagator = options.propagator ?? propagation;
  const sent = meter.createCounter(Metric.sent, { unit: '{message}', description: 'Messages a producer sent.' });
  const consumed = meter.createCounter(Metric.consumed, {
    unit: '{message}',
    description: 'Messages delivered to a handler.',
  });
  const durations = { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } };
  const processDuration = meter.createHistogram(Metric.processDuration, {
    ...durations,
    description: 'How long handling a message took, its settlement included.',
  });
  const operationDuration = meter.createHistogram(Metric.operationDuration, {
    ...durations,
    description: 'How long a send or a settlement took.',
  });

  async function send(context: SendContext, next: () => Promise<void>): Promise<void> {
    const [first] = context.messages;
    const count = context.messages.length;
    const attributes: Attributes = {
      [Attr.system]: context.system,
      [Attr.destination]: context.queue,
      [Attr.operationType]: 'send',
      [Attr.operationName]: 'send',
    };
    const spanAttributes: Attributes = { ...attributes };
    if (count === 1 && first) {
      spanAttributes[Attr.messageId] = first.id;
      spanAttributes[Attr.bodySize] = first.bodyBytes;
      Object.assign(spanAttributes, keyAttributes(context.system, first.key));
    } else spanAttributes[Attr.batchCount] = count;
    const span = tracer.startSpan(`send ${context.queue}`, { kind: SpanKind.PRODUCER, attributes: spanAttributes });
    const spanContext = trace.setSpan(otelContext.active(), span);
    for (const message of context.messages) propagator.inject(spanContext, message.headers, headerSetter);
    const started = performance.now();
    try {
      await otelContext.with(spanContext, next);
      sent.add(count, attributes);
      operationDuration.record((performance.now() - started) / 1000, attributes);
    } catch (error) {
      const failed = { ...attributes, [Attr.errorType]: errorType(error) };
      sent.add(count, failed);
      operationDuration.record((performance.now() - started) / 1000, failed);
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error)?.message ?? error) });
      span.setAttribute(Attr.errorType, errorType(error));
      throw error;
    } finally {
      span.end();
    }
  }

  async function handle(context: HandleContext, next: () => Promise<Outcome>): Promise<Outcome> {
    const attributes: Attributes = {
      [Attr.system]: context.system,
      [Attr.destination]: context.queue,
      [Attr.consumerGroup]: context.group,
      [Attr.operationType]: 'process',
      [Attr.operationName]: 'process',
    };
    consumed.add(1, attributes);
    // From the headers alone: a delivery's callback may run in any context (memory delivers inside the sender's).
    const producer: Context = propagator.extract(ROOT_CONTEXT, context.headers, headerGetter);
    const producerSpan = trace.getSpanContext(producer);
    const spanAttributes: Attributes = {
      ...attributes,
      [Attr.messageId]: context.id,
      [Attr.bodySize]: context.bodyBytes,
      [Attr.attempt]: context.attempt,
    };
    Object.assign(spanAttributes, keyAttributes(context.system, context.key));
    const span = tracer.startSpan(
      `process ${context.queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: spanAttributes,
        links: producerSpan && trace.isSpanContextValid(producerSpan) ? [{ context: producerSpan }] : [],
      },
      producer,
    );
    const processContext = trace.setSpan(producer, span);
    const started = performance.now();
    let outcome: Outcome | undefined;
    try {
      outcome = await otelContext.with(processContext, next);
      return outcome;
    } finally {
      const failure = outcome === undefined ? undefined : failureOf(outcome);
      const recorded = failure ? { ...attributes, [Attr.errorType]: errorType(failure) } : attributes;
      processDuration.record((performance.now() - started) / 1000, recorded);
      if (outcome) describeOutcome(outcome, failure, span, processContext, context);
      span.end();
    }
  }

  /** Events, status and the settle span of one process span. */
  function describeOutcome(
    outcome: Outcome,
    failure: Error | undefined,
    span: ReturnType<typeof tracer.startSpan>,
    parent: Context,
    context: HandleContext,
  ) {
    span.setAttribute(Attr.outcome, outcome.kind);
    if (failure) {
      span.recordException(failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      span.setAttribute(Attr.errorType, errorType(failure));
    }
    if (outcome.kind === 'retried') {
      span.addEvent('retry', { 'anymq.retry.delay_ms': outcome.delayMs, [Attr.errorType]: errorType(outcome.error) });
    }
    if (outcome.kind === 'dead-lettered') {
      span.addEvent('dead_letter', {
        'anymq.dead_letter.queue': outcome.deadLetterQueue,
        [Attr.errorType]: errorType(outcome.error),
        'exception.message': outcome.error.message,
      });
    }
    if (!outcome.settle) return;
    const operation = settleNames[outcome.kind];
    const attributes: Attributes = {
      [Attr.system]: context.system,
      [Attr.destination]: context.queue,
      [Attr.consumerGroup]: context.group,
      [Attr.operationType]: 'settle',
      [Attr.operationName]: operation,
    };
    if (outcome.kind === 'unsettled') attributes[Attr.errorType] = errorType(outcome.error);
    // Started and ended already: core timed it (performance.now() values, which OpenTelemetry reads as such).
    const settle = tracer.startSpan(
      `${operation} ${context.queue}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { ...attributes, [Attr.messageId]: context.id },
        startTime: outcome.settle.startedAt,
      },
      parent,
    );
    if (outcome.kind === 'unsettled') settle.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
    settle.end(outcome.settle.endedAt);
    operationDuration.record((outcome.settle.endedAt - outcome.settle.startedAt) / 1000, attributes);
  }

  return { send, handle };
}

/** The message key, under the attribute of the system that routes by it (anymq's key is RabbitMQ's routing key). */
function keyAttributes(system: string, key: string | undefined): Attributes {
  if (key === undefined) return {};
  if (system === 'kafka') return { [Attr.kafkaKey]: key };
  if (system === 'rabbitmq') return { [Attr.rabbitmqRoutingKey]: key };
  return {};
}

/** The error a handling ended with, if it failed. */
function failureOf(outcome: Outcome): Error | undefined {
  return outcome.kind === 'retried' || outcome.kind === 'dead-lettered' || outcome.kind === 'unsettled'
    ? outcome.error
    : undefined;
}

/** `error.type`: anymq's error code where there is one, else the error's class name. */
function errorType(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && code.length > 0) return code;
  return typeof name === 'string' && name.length > 0 ? name : '_OTHER';
}

const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key] = value;
  },
};

const headerGetter = {
  keys: (carrier: Readonly<Record<string, string>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, string>>, key: string) => carrier[key],
};
