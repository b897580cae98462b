import { describe, expect, it } from 'vitest';
import { runPushNotifications } from './push-notifications.ts';

describe('push-notifications example on memory', () => {
  it('notifies every user once on every channel', { timeout: 30_000 }, async () => {
    const delivered = await runPushNotifications({ config: 'memory://', users: 25 });
    const everyone = Array.from({ length: 25 }, (_, i) => `user-${i + 1}`).sort();
    for (const channel of ['email', 'sms', 'push'] as const) {
      expect([...delivered[channel]].sort()).toEqual(everyone);
    }
  });
});
