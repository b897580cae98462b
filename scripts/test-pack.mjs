#!/usr/bin/env node
// Packs every published package (pnpm pack turns workspace: ranges into versions), installs the
// tarballs with plain npm into a fresh project outside the workspace, and there sends and receives
// through @anymq/core + @anymq/memory and runs the `anymq` binary: what a user of the registry gets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'anymq-pack-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  for (const name of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', name));
  }
  const packed = readdirSync(tarballs).map((file) => join(tarballs, file));
  console.log(`packed ${packed.length} packages:\n  ${readdirSync(tarballs).join('\n  ')}`);

  run('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'anymq-pack-check', private: true, type: 'module' }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed], project);

  writeFileSync(
    join(project, 'check.mjs'),
    `import { connect } from '@anymq/core';
import { openTelemetry } from '@anymq/otel';
// @anymq/otel with @opentelemetry/api alone (its peer, no SDK): tracing is a no-op, messages still flow.
const mq = await connect(undefined, { middleware: [openTelemetry()] });
const orders = mq.queue('orders');
const received = new Promise((resolve) => orders.consumer({ group: 'billing' }).run((m) => resolve(m.body)));
await orders.producer().send({ id: 'o-1', amount: 42 });
const body = await received;
await mq.close();
if (JSON.stringify(body) !== '{"id":"o-1","amount":42}') throw new Error('unexpected body ' + JSON.stringify(body));
console.log('installed @anymq/core + @anymq/memory + @anymq/otel: sent and received', JSON.stringify(body), 'on', mq.backend);
`,
  );
  process.stdout.write(run(process.execPath, ['check.mjs'], project));
  // The servers every machine of this kind runs: found by URL scheme from the installed tarballs.
  writeFileSync(
    join(project, 'check-servers.mjs'),
    `import { connect } from '@anymq/core';
for (const url of ['redis://127.0.0.1:6379', 'nats://127.0.0.1:4222']) {
  const mq = await connect(url);
  const name = 'pack-check-' + Date.now();
  const queue = mq.queue(name);
  const received = new Promise((resolve) => queue.consumer({ group: 'g' }).run((m) => resolve(m.body)));
  await queue.producer().send({ n: 1 });
  const body = await received;
  await mq.close();
  const admin = await connect(url);
  await admin.deleteQueue(name, { groups: ['g'] });
  await admin.close();
  if (JSON.stringify(body) !== '{"n":1}') throw new Error(url + ': unexpected body ' + JSON.stringify(body));
  console.log('installed @anymq/' + mq.backend + ': sent and received', JSON.stringify(body), 'at', url);
}
`,
  );
  process.stdout.write(run(process.execPath, ['check-servers.mjs'], project));
  const bin = join(project, 'node_modules', '.bin', 'anymq');
  process.stdout.write(run(bin, ['doctor'], project));
  process.stdout.write(run(bin, ['bench', '--messages', '1000'], project));
  console.log('test:pack passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
