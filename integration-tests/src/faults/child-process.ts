import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { until } from '../until.ts';

const script = fileURLToPath(new URL('./child-consumer.ts', import.meta.url));

/** A consumer running in a child process (child-consumer.ts), and what it reported so far. */
export interface ChildConsumer {
  readonly process: ChildProcess;
  readonly delivered: Set<string>;
  /** Every `handled` and `duplicate` line, in order (a message may appear more than once). */
  readonly handled: string[];
  readonly duplicates: string[];
  readonly acked: Set<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits (bounded) for `condition` over what the child reported. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

export async function startChildConsumer(options: Record<string, unknown>): Promise<ChildConsumer> {
  const child = spawn(process.execPath, [script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const delivered = new Set<string>();
  const handled: string[] = [];
  const duplicates: string[] = [];
  const acked = new Set<string>();
  let ready = false;
  let closed = false;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const [word, id] = line.split(' ');
    if (word === 'ready') ready = true;
    else if (word === 'closed') closed = true;
    else if (word === 'delivered') delivered.add(id as string);
    else if (word === 'handled') handled.push(id as string);
    else if (word === 'duplicate') duplicates.push(id as string);
    else if (word === 'acked') acked.add(id as string);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const consumer: ChildConsumer = {
    process: child,
    delivered,
    handled,
    duplicates,
    acked,
    exited,
    async until(condition, what, timeoutMs = 60_000) {
      await until(
        () => {
          if (gone && !condition() && !closed)
            throw new Error(`child consumer exited before ${what}; its stderr:\n${stderr}`);
          return condition();
        },
        what,
        timeoutMs,
      );
    },
  };
  await consumer.until(() => ready, 'the child consumer to subscribe');
  return consumer;
}

/** What a supervised run of child consumers reported, over all its restarts. */
export interface SupervisedRun {
  /** Every `delivered` line, in order, from every incarnation. */
  readonly delivered: string[];
  /** Messages whose handler finished (their ack may have died with the process: then they come back). */
  readonly handled: Set<string>;
  readonly acked: Set<string>;
  /** Incarnations that died (each one restarted, as a supervisor would). */
  restarts: number;
}

/**
 * Runs child-consumer.ts the way systemd or Kubernetes runs a worker: whenever it dies, it is
 * started again. Resolves once `done` holds (then stops the last child with SIGTERM); fails when
 * more than `maxRestarts` were needed, or after `timeoutMs`.
 */
export async function superviseChildConsumer(
  options: Record<string, unknown>,
  done: (run: SupervisedRun) => boolean,
  { maxRestarts, timeoutMs }: { maxRestarts: number; timeoutMs: number },
): Promise<SupervisedRun> {
  const run: SupervisedRun = { delivered: [], handled: new Set(), acked: new Set(), restarts: 0 };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const child = spawn(process.execPath, [script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const [word, id] = line.split(' ');
      if (word === 'delivered') run.delivered.push(id as string);
      else if (word === 'handled') run.handled.add(id as string);
      else if (word === 'acked') run.acked.add(id as string);
    });
    let exited = false;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      }),
    );
    try {
      await until(
        () => exited || done(run),
        'the supervised consumer to finish or die',
        Math.max(1, deadline - Date.now()),
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
      return run;
    }
    const { code, signal } = await exit;
    if (signal !== 'SIGKILL')
      throw new Error(
        `the child consumer exited (code ${code}, signal ${signal}) instead of being killed by its poison message; stderr:\n${stderr}`,
      );
    run.restarts++;
    if (run.restarts > maxRestarts)
      throw new Error(`the consumer was restarted ${run.restarts} times: the poison message keeps killing it`);
  }
}
