export { openTelemetry, type OpenTelemetryOptions } from './open-telemetry.js';
export { queueMetrics, type QueueMetricsOptions } from './queue-metrics.js';
