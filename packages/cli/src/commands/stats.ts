import { type Client, ConfigError, type QueueInspection } from '@anymq/core';
import { onStopSignal } from '../stop-signals.js';

export interface StatsOptions {
  group: string[];
  interval: string;
  once?: boolean;
  json?: boolean;
}

/** One line of the table: a group of a queue, or a queue whose groups are unknown. */
interface Row {
  readonly queue: string;
  readonly group: string;
  readonly waiting: number | undefined;
  /** Change of `waiting` per second since the last refresh: a queue that grows with nobody draining it. */
  readonly trend: number | undefined;
  readonly inFlight: number | undefined;
  readonly consumers: number | undefined;
  readonly deadLetters: number | undefined;
}

/**
 * anymq stats <queue…>: what the broker tells about each queue and its groups (`Client.inspect`),
 * refreshed every `--interval` ms like top: messages waiting and their trend, in flight, consumers,
 * dead letters. A figure the backend cannot know is `-`. With `--once` it prints once; with
 * `--json`, one JSON line per refresh. Ctrl-C stops.
 */
export async function stats(
  mq: Client,
  queues: string[],
  options: StatsOptions,
  out: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<void> {
  const intervalMs = Number(options.interval);
  if (!(intervalMs >= 100 && Number.isFinite(intervalMs))) {
    throw new ConfigError('--interval must be at least 100 milliseconds.', { field: 'interval' });
  }
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const unhook = onStopSignal(stop);
  const redraw = out.isTTY === true && !options.json && !options.once;
  let previous: { at: number; waiting: Map<string, number> } | undefined;
  try {
    for (;;) {
      const at = Date.now();
      const inspections = await Promise.all(
        queues.map((queue) => mq.inspect(queue, options.group.length > 0 ? { groups: options.group } : {})),
      );
      if (options.json) out.write(`${JSON.stringify({ at: new Date(at).toISOString(), queues: inspections })}\n`);
      else {
        const rows = toRows(inspections, previous, at);
        const header = `anymq stats: ${mq.backend}, ${new Date(at).toISOString()}${redraw ? `, every ${intervalMs} ms (Ctrl-C stops)` : ''}`;
        out.write(`${redraw ? '\x1b[H\x1b[2J' : ''}${header}\n${table(rows)}\n`);
      }
      previous = { at, waiting: waitingOf(inspections) };
      if (options.once) return;
      let timer: NodeJS.Timeout | undefined;
      const next = new Promise<'next'>((resolve) => (timer = setTimeout(() => resolve('next'), intervalMs)));
      const outcome = await Promise.race([next, stopped.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (outcome === 'stop') return;
    }
  } finally {
    unhook();
  }
}

function waitingOf(inspections: readonly QueueInspection[]): Map<string, number> {
  const waiting = new Map<string, number>();
  for (const { queue, groups } of inspections)
    for (const group of groups) if (group.waiting !== undefined) waiting.set(`${queue}/${group.group}`, group.waiting);
  return waiting;
}

function toRows(
  inspections: readonly QueueInspection[],
  previous: { at: number; waiting: Map<string, number> } | undefined,
  at: number,
): Row[] {
  return inspections.flatMap(({ queue, groups, deadLetters }): Row[] => {
    if (groups.length === 0) {
      const none = { waiting: undefined, trend: undefined, inFlight: undefined, consumers: undefined };
      return [{ queue, group: '(none found; --group names them)', ...none, deadLetters }];
    }
    return groups.map((group) => {
      const before = previous?.waiting.get(`${queue}/${group.group}`);
      const seconds = previous ? (at - previous.at) / 1000 : 0;
      const trend =
        before === undefined || group.waiting === undefined || seconds <= 0
          ? undefined
          : (group.waiting - before) / seconds;
      return { queue, ...group, trend, deadLetters };
    });
  });
}

const columns: [title: string, cell: (row: Row) => string][] = [
  ['QUEUE', (row) => row.queue],
  ['GROUP', (row) => row.group],
  ['WAITING', (row) => figure(row.waiting)],
  ['WAITING/S', (row) => (row.trend === undefined ? '-' : `${row.trend > 0 ? '+' : ''}${row.trend.toFixed(1)}`)],
  ['IN FLIGHT', (row) => figure(row.inFlight)],
  ['CONSUMERS', (row) => figure(row.consumers)],
  ['DEAD LETTERS', (row) => figure(row.deadLetters)],
];

const figure = (value: number | undefined) => (value === undefined ? '-' : String(value));

/** Left-aligned columns, two spaces apart. */
function table(rows: readonly Row[]): string {
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, cell]) => cell(row)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] as string).length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
