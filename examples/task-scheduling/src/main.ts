import { runTaskScheduling } from './task-scheduling.ts';

const runs = await runTaskScheduling({ log: (line) => console.log(line) });
const workers = new Set(runs.map((run) => run.worker)).size;
console.log(
  `\nSummary: ${runs.length} job runs on ${workers} workers, ${runs.filter((r) => r.attempt > 1).length} after a retry`,
);
