// queueMetrics() against the memory backend and the real metrics SDK: the gauges read inspect().
import { connect } from '@anymq/core';
import '@anymq/memory';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { queueMetrics } from './queue-metrics.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush = () => Promise.resolve();
  protected onShutdown = () => Promise.resolve();
}

async function gauges(reader: TestReader): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const values: Record<string, number> = {};
  for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
    for (const point of metric.dataPoints) {
      const group = point.attributes['messaging.consumer.group.name'];
      values[`${metric.descriptor.name}${group ? `{${String(group)}}` : ''}`] = point.value as number;
    }
  }
  return values;
}

describe('queueMetrics()', () => {
  it('reports waiting, in flight, consumers per group and dead letters per queue when collected', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const mq = await connect('memory://');
    const queue = mq.queue<number>('metered');
    const idle = queue.consumer({ group: 'idle' });
    await idle.run(() => undefined);
    await idle.close();
    await queue.consumer({ group: 'failing', retry: { maxAttempts: 1 } }).run(() => {
      throw new Error('always');
    });
    const stop = queueMetrics(mq, { queues: [{ queue: 'metered' }], meterProvider });
    await queue.producer().sendBatch([{ body: 1 }, { body: 2 }]);
    for (let i = 0; i < 100 && (await mq.inspect('metered')).deadLetters !== 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));

    expect(await gauges(reader)).toEqual({
      'anymq.queue.waiting{idle}': 2,
      'anymq.queue.waiting{failing}': 0,
      'anymq.queue.in_flight{idle}': 0,
      'anymq.queue.in_flight{failing}': 0,
      'anymq.queue.consumers{idle}': 0,
      'anymq.queue.consumers{failing}': 1,
      'anymq.queue.dead_letters': 2,
    });
    stop();
    await queue.producer().send(3);
    expect((await mq.inspect('metered', { groups: ['idle'] })).groups[0]?.waiting).toBe(3);
    // Stopped: the gauges are no longer read (the SDK keeps their last value).
    expect((await gauges(reader))['anymq.queue.waiting{idle}']).toBe(2);
    await mq.close();
  });

  it('reports nothing for a queue whose broker does not answer, and the collection still succeeds', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const mq = await connect('memory://');
    queueMetrics(mq, { queues: [{ queue: 'gone' }], meterProvider });
    await mq.close(); // inspect() now rejects with ClosedError
    const { errors } = await reader.collect();
    expect(errors).toEqual([]);
    expect(await gauges(reader)).toEqual({});
  });
});
