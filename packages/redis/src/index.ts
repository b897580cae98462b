export { adapter } from './adapter.js';
export { redisOptions, type RedisConfig } from './config.js';
export { RedisTransport } from './redis-transport.js';
export { QueueKeys } from './keys.js';
