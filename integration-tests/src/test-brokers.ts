import { type Broker, type BrokerKind, type StartBrokerOptions, startBroker } from '@anymq/testing';

type Env = Readonly<Record<string, string | undefined>>;

/** What this repository's environment says about each broker: a running one to use (external mode), or the image to start. */
const fromEnv: Record<BrokerKind, (env: Env) => StartBrokerOptions> = {
  rabbitmq: (env) => ({ url: env.ANYMQ_RABBITMQ_URL, image: env.ANYMQ_RABBITMQ_IMAGE }),
  kafka: (env) => ({
    url: env.ANYMQ_KAFKA_BROKERS ? `kafka://${env.ANYMQ_KAFKA_BROKERS}` : undefined,
    image: env.ANYMQ_KAFKA_IMAGE,
  }),
  nats: (env) => ({
    url: env.ANYMQ_NATS_SERVERS ? `nats://${env.ANYMQ_NATS_SERVERS}` : undefined,
    image: env.ANYMQ_NATS_IMAGE,
  }),
  redis: (env) => ({ url: env.ANYMQ_REDIS_URL, image: env.ANYMQ_REDIS_IMAGE }),
};

/**
 * A broker for these tests, through `@anymq/testing` as our users get it: the one that
 * `ANYMQ_RABBITMQ_URL`, `ANYMQ_KAFKA_BROKERS`, `ANYMQ_NATS_SERVERS` or `ANYMQ_REDIS_URL` names,
 * else a container of `ANYMQ_<BROKER>_IMAGE` (default: the official image).
 */
export function startTestBroker(
  kind: BrokerKind,
  extra: StartBrokerOptions = {},
  env: Env = process.env,
): Promise<Broker> {
  return startBroker(kind, { ...fromEnv[kind](env), ...extra });
}
