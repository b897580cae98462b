import type { Client } from '@anymq/core';
import { type BatchObservableResult, type MeterProvider, metrics } from '@opentelemetry/api';

/** Which queues and groups `queueMetrics` reports, and to which meter provider. */
export interface QueueMetricsOptions {
  /** The queues to watch, each with the groups to report (default: those the backend finds). */
  queues: readonly { queue: string; groups?: readonly string[] }[];
  /** Default: the global one. */
  meterProvider?: MeterProvider;
}

const SCOPE = '@anymq/otel';

/**
 * Gauges of what the broker tells about queues (`Client.inspect`), read each time the metrics are
 * collected (a Prometheus scrape, say): `anymq.queue.waiting`, `anymq.queue.in_flight` and
 * `anymq.queue.consumers` per queue and group, `anymq.queue.dead_letters` per queue. A figure the
 * backend cannot know is not reported. The alert rules of examples/monitored-worker read them.
 * Returns a function that stops the gauges.
 */
export function queueMetrics(client: Client, options: QueueMetricsOptions): () => void {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const unit = '{message}';
  const waiting = meter.createObservableGauge('anymq.queue.waiting', {
    unit,
    description: 'Messages stored for a group and not yet handed to it (Kafka: its lag).',
  });
  const inFlight = meter.createObservableGauge('anymq.queue.in_flight', {
    unit,
    description: 'Messages handed to a member of a group and not yet settled.',
  });
  const consumers = meter.createObservableGauge('anymq.queue.consumers', {
    unit: '{consumer}',
    description: 'Members of a group consuming now.',
  });
  const deadLetters = meter.createObservableGauge('anymq.queue.dead_letters', {
    unit,
    description: "Messages in the queue's dead-letter queue.",
  });
  const observe = async (result: BatchObservableResult): Promise<void> => {
    const inspections = await Promise.all(
      options.queues.map(({ queue, groups }) => client.inspect(queue, groups ? { groups } : {}).catch(() => undefined)),
    );
    for (const inspection of inspections) {
      if (!inspection) continue; // the broker did not answer: no figures this time, rather than a failed collection
      const system = { 'messaging.system': client.backend, 'messaging.destination.name': inspection.queue };
      if (inspection.deadLetters !== undefined) result.observe(deadLetters, inspection.deadLetters, system);
      for (const group of inspection.groups) {
        const attributes = { ...system, 'messaging.consumer.group.name': group.group };
        if (group.waiting !== undefined) result.observe(waiting, group.waiting, attributes);
        if (group.inFlight !== undefined) result.observe(inFlight, group.inFlight, attributes);
        if (group.consumers !== undefined) result.observe(consumers, group.consumers, attributes);
      }
    }
  };
  const gauges = [waiting, inFlight, consumers, deadLetters];
  meter.addBatchObservableCallback(observe, gauges);
  return () => meter.removeBatchObservableCallback(observe, gauges);
}
