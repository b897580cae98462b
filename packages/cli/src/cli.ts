#!/usr/bin/env node
import { AnymqError, type Client, ConfigError, connect, redactUrl } from '@anymq/core';
import { Command, CommanderError, Option } from 'commander';
import { bench } from './commands/bench.js';
import { consume } from './commands/consume.js';
import { dlq } from './commands/dlq.js';
import { doctor } from './commands/doctor.js';
import { send } from './commands/send.js';
import { stats } from './commands/stats.js';
import { configFrom } from './config-option.js';
import { ExitCode } from './exit-codes.js';

const exitCodes = `
Exit codes:
  0  success
  1  the broker could not be reached, refused a message, or did not deliver in time
  2  wrong arguments or configuration

Configuration: --url, else --config <file.json>, else ANYMQ_URL and ANYMQ_* (default: in-memory).`;

type Global = { url?: string; config?: string };

/** Connects with the global options, runs `work`, and always closes the client. */
async function withClient(program: Command, work: (mq: Client, target: string) => Promise<void>): Promise<void> {
  const global = program.opts<Global>();
  const config = configFrom(global);
  const target =
    typeof config === 'string'
      ? redactUrl(config)
      : global.config
        ? global.config
        : process.env.ANYMQ_URL
          ? redactUrl(process.env.ANYMQ_URL)
          : 'memory://';
  const mq = await connect(config);
  try {
    await work(mq, target);
  } finally {
    await mq.close();
  }
}

const program = new Command('anymq')
  .description('Send, consume, benchmark and check message queues through anymq.')
  .option('--url <url>', 'backend URL: memory://, amqp://…, kafka://host:port, zmq+tcp://host:port')
  .option('--config <file>', 'backend config as a JSON file')
  .addHelpText('after', exitCodes)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('send')
  .description(
    'send one message; the body comes from the argument, --file or standard input (JSON text is sent as JSON)',
  )
  .argument('<queue>', 'queue name')
  .argument('[body]', 'message body')
  .option('--file <path>', 'read the body from a file')
  .option('--key <key>', 'ordering and partitioning key')
  .option('--header <name=value>', 'a header (repeatable)', (value: string, all: string[]) => [...all, value], [])
  .option('--delay <ms>', 'deliver no earlier than this many milliseconds from now')
  .action((queue: string, body: string | undefined, options) =>
    withClient(program, (mq) => send(mq, queue, body, options, process.stdout)),
  );

program
  .command('consume')
  .description('print messages as they arrive, acking each')
  .argument('<queue>', 'queue name')
  .requiredOption('--group <group>', 'consumer group')
  .option('--count <n>', 'stop after n messages')
  .option('--timeout <ms>', 'fail if --count messages did not arrive in this time')
  .option('--json', 'one JSON object per message: id, key, attempt, headers, body')
  .action((queue: string, options) =>
    withClient(program, (mq) => consume(mq, queue, options, process.stdout, process.stderr)),
  );

program
  .command('bench')
  .description('producer and consumer throughput and latency percentiles against the configured backend')
  .addOption(new Option('--messages <n>', 'messages to send').default('10000'))
  .addOption(new Option('--size <bytes>', 'body size').default('100'))
  .addOption(new Option('--concurrency <n>', 'consumer concurrency').default('64'))
  .action((options) => withClient(program, (mq) => bench(mq, options, process.stdout, process.stderr)));

program
  .command('stats')
  .description(
    'per queue and group: messages waiting (and their trend), in flight, consumers, dead letters; refreshed like top',
  )
  .argument('<queues...>', 'queue names')
  .option(
    '--group <group>',
    'a consumer group (repeatable; default: the groups the backend finds)',
    (value: string, all: string[]) => [...all, value],
    [],
  )
  .addOption(new Option('--interval <ms>', 'refresh interval').default('2000'))
  .option('--once', 'print once and exit')
  .option('--json', 'one JSON line per refresh (the inspections as Client.inspect returns them)')
  .action((queues: string[], options) => withClient(program, (mq) => stats(mq, queues, options, process.stdout)));

program
  .command('dlq')
  .description(
    "a queue's dead letters: list them, show one, replay them to the queue each came from (id, key, body and headers kept; attempts start again), or purge them",
  )
  .argument('<queue>', 'the queue (its dead-letter queue is <queue>.dlq)')
  .argument('<action>', 'list, show <id>, replay or purge')
  .argument('[id]', 'for show: the message id')
  .option('--max <n>', 'stop after n messages (list and show: 100)')
  .option('--new-ids', 'replay with fresh ids and a replay-of header (for brokers that drop a resent id, e.g. NATS)')
  .addOption(new Option('--idle <ms>', 'stop once no message arrived for this long').default('3000'))
  .addOption(new Option('--group <group>', 'the consumer group that reads the dead-letter queue').default('anymq-dlq'))
  .action((queue: string, action: string, id: string | undefined, options) =>
    withClient(program, (mq) => dlq(mq, queue, action, id, options, process.stdout, process.stderr)),
  );

program
  .command('doctor')
  .description('connect, report backend and capabilities, and time a round trip')
  .action(() => withClient(program, (mq, target) => doctor(mq, target, process.stdout)));

try {
  await program.parseAsync(process.argv);
  process.exitCode = ExitCode.ok;
} catch (error) {
  if (error instanceof CommanderError) {
    // commander printed the message (or the help) already
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else if (error instanceof ConfigError) {
    process.stderr.write(`anymq: ${error.message}\n`);
    process.exitCode = ExitCode.usage;
  } else {
    const message = error instanceof AnymqError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`anymq: ${redactUrl(message)}\n`);
    process.exitCode = ExitCode.failure;
  }
}
