/** The real backends this run covers: `ANYMQ_TEST_BACKENDS` (comma list), default all of them. */
export const realBackends = ['rabbitmq', 'kafka', 'nats', 'redis'] as const;
export type RealBackend = (typeof realBackends)[number];

export function selectedBackends(env = process.env): RealBackend[] {
  const raw = env.ANYMQ_TEST_BACKENDS?.trim();
  if (!raw) return [...realBackends];
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(realBackends as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `ANYMQ_TEST_BACKENDS names unknown backends: ${unknown.join(', ')}. Known: ${realBackends.join(', ')}.`,
    );
  }
  return names as RealBackend[];
}
