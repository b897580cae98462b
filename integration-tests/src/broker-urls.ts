import { inject } from 'vitest';
import type { RealBackend } from './backends.ts';

/** The URL a user would pass (`ANYMQ_URL`, the CLI's `--url`) for each broker this run started. */
export const brokerUrls: readonly [RealBackend, () => string][] = [
  ['rabbitmq', () => inject('rabbitmqUrl')],
  ['kafka', () => `kafka://${inject('kafkaBrokers').join(',')}`],
  ['nats', () => `nats://${inject('natsServers').join(',')}`],
  ['redis', () => inject('redisUrl')],
];
