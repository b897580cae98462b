// A consumer in its own process, for the kill and shutdown scenarios. Reports on stdout, one line
// each: `ready`, `delivered <id>`, `handled <id>` (poison mode or with a shared idempotency store: the
// handler finished), `duplicate <id>` (skipped as already processed), `acked <id>` (the broker has
// the ack or commit), `closed`.
// On SIGTERM it shuts down the way the README tells users to: close() drains the handlers, then exits.
import { type ConfigInput, connect } from '@anymq/core';
import { PostgresIdempotencyStore } from '@anymq/idempotency-postgres';
import { RedisIdempotencyStore } from '@anymq/idempotency-redis';
import { writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface ChildOptions {
  config: ConfigInput;
  queue: string;
  group: string;
  concurrency: number;
  /**
   * `hold`: handlers never finish (the process is to be killed). `work`: each takes workMs.
   * `poison`: like work, but the message whose body is `poison` kills the process (SIGKILL, as an
   * out-of-memory kill or a crash in native code would), without any cleanup.
   */
  mode: 'hold' | 'work' | 'poison';
  workMs: number;
  poison?: number;
  maxAttempts?: number;
  /** A store shared with other processes: each id is run once across them. */
  idempotency?: 'redis' | 'postgres';
}

const options = JSON.parse(process.argv[2] as string) as ChildOptions;
const store =
  options.idempotency === 'redis'
    ? new RedisIdempotencyStore({
        url: process.env.ANYMQ_REDIS_URL ?? 'redis://127.0.0.1:6379',
        prefix: 'anymq-faults:',
      })
    : options.idempotency === 'postgres'
      ? new PostgresIdempotencyStore({
          connectionString: process.env.ANYMQ_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
          table: 'anymq_idempotency_faults',
        })
      : undefined;
// Written synchronously: a process that kills itself must not take its last reports with it.
const say = (line: string) => writeSync(1, `${line}\n`);
const mq = await connect(options.config, {
  observer: { onAcked: ({ id }) => say(`acked ${id}`), onDuplicate: ({ id }) => say(`duplicate ${id}`) },
});
process.once('SIGTERM', () => {
  void mq.close().then(async () => {
    await store?.close();
    say('closed');
    process.exit(0);
  });
});
await mq
  .queue(options.queue)
  .consumer({
    group: options.group,
    concurrency: options.concurrency,
    drainTimeoutMs: 20_000,
    retry: { maxAttempts: options.maxAttempts ?? 5 },
    ...(store ? { idempotency: { store } } : {}),
  })
  .run(async (message) => {
    say(`delivered ${message.id}`);
    if (options.mode === 'hold') await new Promise(() => undefined);
    else if (options.mode === 'poison' && message.body === options.poison) process.kill(process.pid, 'SIGKILL');
    else {
      await sleep(options.workMs);
      // Before the ack is confirmed: a process killed by the next message may never hear that.
      if (options.mode === 'poison' || store) say(`handled ${message.id}`);
    }
  });
say('ready');
