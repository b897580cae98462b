import { describe, expect, it } from 'vitest';
import { runPushNotifications } from './push-notifications.ts';

describe('push-notifications example on memory', () => {
  it('notifies every user once on every channel', { timeout: 30_000 }, async () => {
    const lines: string[] = [];
    const delivered = await runPushNotifications({ config: 'memory://', users: 25, log: (line) => lines.push(line) });
    const everyone = Array.from({ length: 25 }, (_, i) => `user-${i + 1}`).sort();
    for (const channel of ['email', 'sms', 'push'] as const) {
      expect([...delivered[channel]].sort()).toEqual(everyone);
    }
    // Each push went to the device the registry answered with (request-reply).
    for (const user of everyone) expect(lines).toContain(`push  → ${user} (tok-${user})`);
  });
});
