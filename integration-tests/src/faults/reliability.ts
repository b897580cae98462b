import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One line of RELIABILITY.md: what a fault did to a stream of messages. */
export interface ReliabilityRow {
  readonly scenario: string;
  readonly backend: string;
  /** Messages whose send was confirmed by the broker. */
  readonly sent: number;
  /** Confirmed messages that reached a handler at least once. */
  readonly delivered: number;
  readonly lost: number;
  /** Deliveries beyond the first of a message (at-least-once redeliveries). */
  readonly duplicated: number;
  /** From the end of the fault to the first message flowing again; null where it does not apply. */
  readonly recoveryMs: number | null;
  readonly notes: string;
}

/** Rows of this run, one JSON object per line; write-reliability.ts turns them into RELIABILITY.md. */
export const rowsFile = fileURLToPath(new URL('../../reliability-rows.jsonl', import.meta.url));

export function recordRow(row: ReliabilityRow): void {
  appendFileSync(rowsFile, `${JSON.stringify(row)}\n`);
  console.log(
    `${row.scenario} (${row.backend}): sent ${row.sent}, delivered ${row.delivered}, lost ${row.lost}, ` +
      `duplicated ${row.duplicated}, recovery ${row.recoveryMs === null ? 'n/a' : `${row.recoveryMs} ms`}${row.notes ? `; ${row.notes}` : ''}`,
  );
}
