import { describe, expect, it } from 'vitest';
import { runTaskScheduling } from './task-scheduling.ts';

describe('task-scheduling example on memory', () => {
  it('runs delayed, recurring and retried jobs, none before it was due', { timeout: 30_000 }, async () => {
    const runs = await runTaskScheduling({ config: 'memory://' });
    const names = runs.map((run) => run.name).sort();
    expect(names).toEqual(['flaky-export', 'heartbeat', 'heartbeat', 'heartbeat', 'nightly-report', 'send-invoices']);
    for (const run of runs) expect(run.lateByMs).toBeGreaterThanOrEqual(-2); // 2 ms for timer granularity
    expect(runs.find((run) => run.name === 'flaky-export')?.attempt).toBe(2);
  });
});
