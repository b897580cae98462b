import { randomUUID } from 'node:crypto';
import { type ConfigInput, connect } from '@anymq/core';

export interface Job {
  name: string;
  /** When the job was meant to run, epoch ms. */
  dueAt: number;
  /** For a recurring job: runs left after this one, and the interval. */
  repeat?: { remaining: number; everyMs: number };
  /** A flaky job fails on its first attempt and succeeds when retried. */
  flaky?: boolean;
}

export interface JobRun {
  name: string;
  worker: string;
  attempt: number;
  /** Milliseconds after `dueAt` that the job ran (never negative: delays are honoured). */
  lateByMs: number;
}

export interface TaskSchedulingOptions {
  /** Backend config; default: `ANYMQ_URL`, else in-memory. */
  config?: ConfigInput;
  workers?: number;
  log?: (line: string) => void;
}

/**
 * A scheduler over a queue: delayed jobs (`delayMs`), a recurring job that schedules its next run
 * when it finishes, a flaky job retried with backoff, and a pool of workers sharing the jobs.
 */
export async function runTaskScheduling(options: TaskSchedulingOptions = {}): Promise<JobRun[]> {
  const log = options.log ?? (() => undefined);
  const runs: JobRun[] = [];
  const mq = await connect(options.config);
  try {
    const jobs = mq.queue<Job>(`demo-jobs-${randomUUID().slice(0, 8)}`);
    const producer = jobs.producer();
    const schedule = (job: Omit<Job, 'dueAt'>, delayMs: number) =>
      producer.send({ ...job, dueAt: Date.now() + delayMs }, { delayMs, key: job.name });

    const expected = 6; // 3 one-off jobs + 3 runs of the recurring one
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    for (let w = 1; w <= (options.workers ?? 3); w++) {
      const worker = `worker-${w}`;
      await jobs
        .consumer({ group: 'workers', concurrency: 2, retry: { maxAttempts: 3, initialDelayMs: 50, jitter: 0 } })
        .run(async ({ body: job, attempt }) => {
          if (job.flaky && attempt === 1) {
            log(`${job.name.padEnd(14)} failed on ${worker} (attempt 1); retrying with backoff`);
            throw new Error('temporary failure');
          }
          const lateByMs = Date.now() - job.dueAt;
          runs.push({ name: job.name, worker, attempt, lateByMs });
          log(`${job.name.padEnd(14)} ran on ${worker}, attempt ${attempt}, ${lateByMs} ms after it was due`);
          if (job.repeat && job.repeat.remaining > 0) {
            const { remaining, everyMs } = job.repeat;
            await schedule({ name: job.name, repeat: { remaining: remaining - 1, everyMs } }, everyMs);
          }
          if (runs.length === expected) finish();
        });
    }

    await schedule({ name: 'send-invoices' }, 0);
    await schedule({ name: 'nightly-report' }, 300);
    await schedule({ name: 'flaky-export', flaky: true }, 100);
    await schedule({ name: 'heartbeat', repeat: { remaining: 2, everyMs: 100 } }, 50);
    await finished;
    return runs;
  } finally {
    await mq.close();
  }
}
