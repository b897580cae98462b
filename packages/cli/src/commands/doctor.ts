import { randomUUID } from 'node:crypto';
import type { Client } from '@anymq/core';

/**
 * anymq doctor: reports the backend and its capabilities, then sends one message to a fresh queue
 * and times its round trip. Connection problems surface before this runs, from connect().
 */
export async function doctor(mq: Client, target: string, out: NodeJS.WritableStream): Promise<void> {
  out.write(`backend: ${mq.backend} (${target})\n`);
  out.write(`broker: ${(await mq.describeBroker()) ?? 'not reported by this backend'}\n`);
  const health = await mq.health();
  const ping = health.roundTripMs === undefined ? '' : `, ping ${health.roundTripMs.toFixed(1)} ms`;
  out.write(`health: ${health.ok ? 'ok' : `not ok (${health.error})`}${ping}\n`);
  const capabilities = Object.entries(mq.capabilities)
    .map(([name, value]) => `${name}=${describe(value)}`)
    .join(', ');
  out.write(`capabilities: ${capabilities}\n`);
  const queue = mq.queue<string>(`anymq-doctor-${randomUUID().slice(0, 8)}`);
  const consumer = queue.consumer({ group: 'doctor', startFrom: 'earliest' });
  try {
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    await consumer.run(() => received());
    const started = performance.now();
    await queue.producer().send('ping');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the round trip through ${queue.name} did not complete within 10 s`)),
        10_000,
      );
    });
    await Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
    out.write(
      `round trip through ${queue.name}: ${(performance.now() - started).toFixed(1)} ms (send, confirm, deliver, ack)\n`,
    );
  } finally {
    // Leave nothing behind on the broker, also when the round trip failed.
    await consumer.close();
    await mq.deleteQueue(queue.name, { groups: ['doctor'] });
  }
  out.write('ok\n');
}

/** A capability's value: a group of flags (inspection) as the names of those set, joined by `+`. */
function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const set = Object.entries(value).filter(([, flag]) => flag === true);
  return set.length > 0 ? set.map(([name]) => name).join('+') : 'none';
}
