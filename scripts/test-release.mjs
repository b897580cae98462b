#!/usr/bin/env node
// The release path for real, against a registry of our own: a clone of this commit runs
// `changeset version` on a throwaway branch, builds and runs `changeset publish` to a local
// Verdaccio; then, in fresh directories outside the workspace, npm, pnpm, yarn 1 and yarn 4
// (Plug'n'Play) each install every public package from it, and a small program sends and receives
// (in-process, and through the Redis and NATS servers this machine runs, found by URL scheme) and
// `anymq doctor` runs. Every failure names the step and, where there is one, the package.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'anymq-release-'));
const release = join(work, 'release');

/**
 * What a user's first program does: in-process with tracing middleware (@opentelemetry/api alone, no
 * SDK: a no-op, messages still flow), then the Redis and NATS servers every machine of this kind
 * runs, each adapter found by its URL scheme among the installed packages; last the testing kit, as a
 * user's own tests would use it (a retry on the fake clock, a running broker reused by URL).
 */
const checkProgram = `import { connect } from '@anymq/core';
import { openTelemetry } from '@anymq/otel';
import { Inbox, memoryWithFakeClock, startBroker } from '@anymq/testing';
const roundTrip = async (url, options) => {
  const mq = await connect(url, options);
  const name = 'release-check-' + Date.now();
  const queue = mq.queue(name);
  const received = new Promise((resolve) => queue.consumer({ group: 'g' }).run((m) => resolve(m.body)));
  await queue.producer().send({ id: 'o-1', amount: 42 });
  const body = await received;
  await mq.close();
  if (url) {
    const admin = await connect(url);
    await admin.deleteQueue(name, { groups: ['g'] });
    await admin.close();
  }
  if (JSON.stringify(body) !== '{"id":"o-1","amount":42}') throw new Error((url ?? 'memory') + ': unexpected body ' + JSON.stringify(body));
  console.log('sent and received', JSON.stringify(body), 'on', mq.backend, url ?? '(in-process)');
};
await roundTrip(undefined, { middleware: [openTelemetry()] });
for (const url of ['redis://127.0.0.1:6379', 'nats://127.0.0.1:4222']) await roundTrip(url);
const { mq: fake, clock } = await memoryWithFakeClock();
const attempts = new Inbox();
await fake.queue('kit').consumer({ group: 'g', retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }).run((m) => {
  attempts.push(m.attempt);
  if (m.attempt < 2) throw new Error('fails once');
});
await fake.queue('kit').producer().send('x');
await attempts.waitFor(1, 'the first attempt', 5_000);
await clock.advance(60_000);
await attempts.waitFor(2, 'the retry one fake minute later', 5_000);
await fake.close();
const running = await startBroker('nats', { url: 'nats://127.0.0.1:4222' });
await roundTrip(running.url);
await running.stop();
console.log('@anymq/testing: retried one fake minute later; reused', running.url);
`;

/** Runs one step; a failure says which, with the command's own output. */
function step(what, command, args, cwd, env = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(
      `test:release: ${what} failed (${command} ${args.join(' ')} in ${cwd}):\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      {
        cause: error,
      },
    );
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Verdaccio on 127.0.0.1: @anymq/* only from what we publish, everything else from the upstream registry. */
async function startRegistry() {
  const port = await freePort();
  const upstream = step('reading the upstream registry', 'npm', ['config', 'get', 'registry'], work).trim();
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    `storage: ${join(work, 'storage')}
auth:
  htpasswd:
    file: ${join(work, 'htpasswd')}
uplinks:
  upstream:
    url: ${upstream}
    timeout: 60s
packages:
  '@anymq/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    proxy: upstream
max_body_size: 200mb
log: { type: stdout, format: pretty, level: error }
`,
  );
  const verdaccio = join(root, 'node_modules', '.bin', 'verdaccio');
  const server = spawn(verdaccio, ['--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/`;
  for (const deadline = Date.now() + 60_000; ;) {
    if (server.exitCode !== null) throw new Error(`test:release: Verdaccio exited with code ${server.exitCode}`);
    const ready = await fetch(`${url}-/ping`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('test:release: Verdaccio did not answer /-/ping within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // A user of its own, as `npm adduser` makes one: the token publishes.
  const response = await fetch(`${url}-/user/org.couchdb.user:release`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release', password: 'rehearsal-only' }),
  });
  if (!response.ok) throw new Error(`test:release: Verdaccio refused the publishing user (${response.status})`);
  const { token } = await response.json();
  return { url, token, stop: () => server.kill('SIGTERM') };
}

const registry = await startRegistry();
const npmrc = `registry=${registry.url}\n//${new URL(registry.url).host}/:_authToken=${registry.token}\n`;
try {
  // The release, as a maintainer makes it: on a throwaway branch of this commit, never on main.
  step('cloning this commit', 'git', ['clone', '--quiet', root, release], work);
  step('branching', 'git', ['checkout', '--quiet', '-b', 'release-rehearsal'], release);
  writeFileSync(join(release, '.npmrc'), npmrc);
  step(
    'installing the workspace (offline, from the store)',
    'pnpm',
    ['install', '--frozen-lockfile', '--offline'],
    release,
  );
  const before = JSON.parse(readFileSync(join(release, 'packages', 'core', 'package.json'), 'utf8')).version;
  step('changeset version', 'pnpm', ['exec', 'changeset', 'version'], release);
  const manifests = readdirSync(join(release, 'packages'))
    .map((name) => ({
      name,
      manifest: JSON.parse(readFileSync(join(release, 'packages', name, 'package.json'), 'utf8')),
    }))
    .filter(({ manifest }) => !manifest.private);
  const version = manifests.find(({ manifest }) => manifest.name === '@anymq/core').manifest.version;
  console.log(`changeset version: @anymq/* ${before} -> ${version} (${manifests.length} public packages)`);
  step('building the packages', 'pnpm', ['--filter', './packages/*', 'run', 'build'], release);
  // Provenance needs the OIDC token of a CI provider (GitHub Actions); here the release is local.
  console.log(
    step('changeset publish', 'pnpm', ['exec', 'changeset', 'publish'], release, { npm_config_provenance: 'false' }),
  );

  // What the registry now holds: each package at the new version, its @anymq/* ranges made real.
  for (const { manifest } of manifests) {
    const published = JSON.parse(
      step(
        `reading ${manifest.name}@${version} back from the registry`,
        'npm',
        ['view', '--json', `${manifest.name}@${version}`],
        work,
        {
          npm_config_registry: registry.url,
        },
      ) || 'null',
    );
    if (!published) throw new Error(`test:release: ${manifest.name}@${version} is not in the registry after publish`);
    for (const [name, range] of Object.entries({ ...published.dependencies, ...published.peerDependencies })) {
      if (name.startsWith('@anymq/') && range !== `^${version}`)
        throw new Error(`test:release: ${manifest.name}@${version} depends on ${name}@${range}, not ^${version}`);
      if (String(range).startsWith('workspace:'))
        throw new Error(`test:release: ${manifest.name}@${version} was published with ${name}@${range}`);
    }
  }
  console.log(`registry holds ${manifests.length} packages at ${version}, with @anymq/* ranges ^${version}`);

  const packages = [...manifests.map(({ manifest }) => `${manifest.name}@${version}`), '@opentelemetry/api@^1.9.0'];
  // npm, pnpm and yarn 1 put packages in node_modules; yarn 4 uses Plug'n'Play, its default.
  const yarn4 = ['npx', ['--yes', '-p', '@yarnpkg/cli-dist@4.12.0', 'yarn']];
  const inNodeModules = (project) => ({
    node: [process.execPath, ['check.mjs']],
    anymq: [join(project, 'node_modules', '.bin', 'anymq'), ['doctor']],
  });
  const managers = {
    npm: {
      install: ['npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages]],
      run: inNodeModules,
    },
    pnpm: { install: ['pnpm', ['add', ...packages]], run: inNodeModules },
    'yarn 1': {
      install: ['npx', ['--yes', 'yarn@1.22.22', 'add', '--silent', '--non-interactive', ...packages]],
      run: inNodeModules,
    },
    'yarn 4': {
      install: [yarn4[0], [...yarn4[1], 'add', ...packages]],
      run: () => ({
        node: [yarn4[0], [...yarn4[1], 'node', 'check.mjs']],
        anymq: [yarn4[0], [...yarn4[1], 'anymq', 'doctor']],
      }),
    },
  };
  for (const [manager, { install, run }] of Object.entries(managers)) {
    const project = join(work, `with-${manager.replace(' ', '')}`);
    mkdirSync(project);
    writeFileSync(join(project, '.npmrc'), npmrc);
    writeFileSync(join(project, '.yarnrc'), `registry "${registry.url}"\n`);
    // Its own global folder: yarn 4 caches package metadata there, with the tarball URLs of an earlier run's registry.
    writeFileSync(
      join(project, '.yarnrc.yml'),
      `npmRegistryServer: "${registry.url}"\nunsafeHttpWhitelist: ["127.0.0.1"]\nenableTelemetry: false\nenableGlobalCache: false\nglobalFolder: "${join(work, 'yarn-global')}"\n`,
    );
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: `anymq-with-${manager.replace(' ', '')}`, private: true, type: 'module' }),
    );
    // pnpm runs no dependency's install script unless told, and fails on one nobody decided on:
    // zeromq's checks its shipped addon; those under @anymq/testing's testcontainers (ssh2,
    // cpu-features: optional native speed-ups; protobufjs: a notice) are not needed. As its README says.
    if (manager === 'pnpm')
      writeFileSync(
        join(project, 'pnpm-workspace.yaml'),
        'allowBuilds:\n  zeromq: true\n  ssh2: false\n  cpu-features: false\n  protobufjs: false\n',
      );
    step(`${manager} install of every @anymq package`, install[0], install[1], project);
    writeFileSync(join(project, 'check.mjs'), checkProgram);
    const { node, anymq } = run(project);
    process.stdout.write(
      step(`${manager}: sending and receiving with the installed packages`, node[0], node[1], project),
    );
    process.stdout.write(step(`${manager}: anymq doctor`, anymq[0], anymq[1], project));
  }
  console.log('test:release passed');
} finally {
  registry.stop();
  rmSync(work, { recursive: true, force: true });
}
