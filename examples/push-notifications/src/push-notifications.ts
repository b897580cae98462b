import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { type ConfigInput, connect } from '@anymq/core';

export interface SignupEvent {
  user: string;
  email: string;
  phone: string;
}

export interface PushNotificationsOptions {
  /** Backend config; default: `ANYMQ_URL`, else in-memory. */
  config?: ConfigInput;
  users?: number;
  log?: (line: string) => void;
}

/** Each channel is its own consumer group: every group gets every event, at its own pace. */
const channels = [
  { group: 'email', concurrency: 4, latencyMs: 5 },
  { group: 'sms', concurrency: 1, latencyMs: 2 },
  { group: 'push', concurrency: 8, latencyMs: 1 },
] as const;

export type Delivered = Record<(typeof channels)[number]['group'], string[]>;

/** What the device registry answers to a lookup: where the user's push notifications go. */
export interface Device {
  token: string;
}

/**
 * Publishes one signup event per user and lets three channels notify each user their own way. The
 * push channel asks a device registry for the user's device by request-reply (`queue.request`),
 * where the backend carries replies.
 */
export async function runPushNotifications(options: PushNotificationsOptions = {}): Promise<Delivered> {
  const users = options.users ?? 10;
  const log = options.log ?? (() => undefined);
  const delivered: Delivered = { email: [], sms: [], push: [] };
  const mq = await connect(options.config);
  try {
    const signups = mq.queue<SignupEvent>(`demo-signups-${randomUUID().slice(0, 8)}`);
    const devices = mq.queue<{ user: string }>(`${signups.name}.devices`);
    const lookUp = mq.capabilities.requestReply;
    if (lookUp) {
      // The registry answers each lookup with what its handler returns.
      await devices
        .consumer({ group: 'registry', concurrency: 4 })
        .run(({ body }): Device => ({ token: `tok-${body.user}` }));
    }
    let allDone!: () => void;
    const done = new Promise<void>((resolve) => (allDone = resolve));
    for (const channel of channels) {
      await signups.consumer({ group: channel.group, concurrency: channel.concurrency }).run(async ({ body }) => {
        const device =
          channel.group === 'push' && lookUp
            ? (await devices.request<Device>({ user: body.user }, { timeoutMs: 30_000 })).token
            : 'device';
        await delay(channel.latencyMs); // the provider's latency
        delivered[channel.group].push(body.user);
        log(
          `${channel.group.padEnd(5)} → ${body.user} (${channel.group === 'email' ? body.email : channel.group === 'sms' ? body.phone : device})`,
        );
        if (Object.values(delivered).every((list) => list.length === users)) allDone();
      });
    }
    const producer = signups.producer();
    await producer.sendBatch(
      Array.from({ length: users }, (_, i) => ({
        body: {
          user: `user-${i + 1}`,
          email: `user-${i + 1}@example.com`,
          phone: `+1555000${String(i + 1).padStart(4, '0')}`,
        },
        key: `user-${i + 1}`,
      })),
    );
    await done;
    return delivered;
  } finally {
    await mq.close();
  }
}
