// Security against real brokers: credentials never leak into errors or CLI output; RabbitMQ over
// TLS with a certificate generated here; one group's settlement never touches another group's copy.
import { Inbox } from '@anymq/contract';
import { AccessDeniedError, type ConfigInput, ConnectionError, connect } from '@anymq/core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { GenericContainer, Wait } from 'testcontainers';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '@anymq/testing';

const backends = inject('backends');
const secret = `S3cret-${randomUUID().slice(0, 8)}`;
const cli = fileURLToPath(new URL('../../node_modules/@anymq/cli/dist/cli.js', import.meta.url));

/** Everything a user could see of an error: message, stack, causes, util.inspect. */
function everything(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack ?? ''}\n${inspect(error, { depth: 5 })}`;
}

async function connectError(config: ConfigInput): Promise<unknown> {
  try {
    const mq = await connect(config);
    await mq.close();
  } catch (error) {
    return error;
  }
  throw new Error('expected the connection to fail');
}

describe.runIf(backends.includes('rabbitmq'))('rabbitmq: credentials and TLS', () => {
  it('a wrong password is an AccessDeniedError that does not contain it, nor does the CLI output', async () => {
    const url = new URL(inject('rabbitmqUrl'));
    url.password = secret;
    const error = await connectError({ backend: 'rabbitmq', url: url.toString() });
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error).toMatchObject({ code: 'ACCESS_DENIED' });
    expect(everything(error)).not.toContain(secret);
    expect(String(error)).toContain('***');

    const doctor = spawnSync(process.execPath, [cli, '--url', url.toString(), 'doctor'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(doctor.status).not.toBe(0);
    expect(`${doctor.stdout}${doctor.stderr}`).not.toContain(secret);
    expect(`${doctor.stdout}${doctor.stderr}`).toContain('***');
  });

  it('doctor against a reachable broker prints the target without the password', () => {
    const url = inject('rabbitmqUrl');
    const password = new URL(url).password;
    const doctor = spawnSync(process.execPath, [cli, '--url', url, 'doctor'], { encoding: 'utf8', timeout: 60_000 });
    expect(doctor.status, doctor.stderr).toBe(0);
    if (password) expect(`${doctor.stdout}${doctor.stderr}`).not.toContain(`:${password}@`);
  });

  it(
    'amqps:// with a certificate generated in the test: round trip; an untrusted certificate is refused',
    { timeout: 240_000 },
    async (ctx) => {
      if (process.env.ANYMQ_RABBITMQ_URL)
        ctx.skip('not applicable: needs a RabbitMQ container of its own (ANYMQ_RABBITMQ_URL is set)');
      const certs = generateCertificates();
      const port = await freePort();
      const config = [
        'listeners.tcp = none',
        'listeners.ssl.default = 5671',
        'ssl_options.cacertfile = /etc/rabbitmq/ca.pem',
        'ssl_options.certfile = /etc/rabbitmq/server.pem',
        'ssl_options.keyfile = /etc/rabbitmq/server-key.pem',
        'ssl_options.verify = verify_none',
        'ssl_options.fail_if_no_peer_cert = false',
        'default_user = anymq',
        `default_pass = ${secret}`,
        'loopback_users = none',
      ].join('\n');
      const image = process.env.ANYMQ_RABBITMQ_IMAGE ?? 'rabbitmq:3.13';
      const file = (name: string) => ({
        content: readFileSync(join(certs.dir, name), 'utf8'),
        target: `/etc/rabbitmq/${name}`,
        mode: 0o644,
      });
      const logs: string[] = [];
      const container = await new GenericContainer(image)
        .withEnvironment({ RABBITMQ_LOGS: '-', HOME: '/var/lib/rabbitmq' })
        .withLogConsumer((stream) => stream.on('data', (line: Buffer | string) => logs.push(String(line))))
        .withCopyContentToContainer([
          { content: `${config}\n`, target: '/etc/rabbitmq/rabbitmq.conf', mode: 0o644 },
          file('ca.pem'),
          file('server.pem'),
          file('server-key.pem'),
        ])
        // The image also exposes 5672; Testcontainers waits for every exposed port to be bound.
        .withExposedPorts({ container: 5671, host: port }, 5672)
        .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
        .withStartupTimeout(180_000)
        .start()
        .catch((error: unknown) => {
          throw new Error(
            `RabbitMQ with TLS did not start: ${String(error)}\n--- last log lines ---\n${logs.join('').split('\n').slice(-30).join('\n')}`,
          );
        });
      ctx.onTestFinished(() => container.stop().then(() => undefined));
      const url = `amqps://anymq:${secret}@localhost:${port}`;

      const mq = await connect({ backend: 'rabbitmq', url, tls: { ca: [certs.ca], servername: 'localhost' } });
      ctx.onTestFinished(() => mq.close());
      const queue = mq.queue<{ tls: boolean }>(`tls-${randomUUID().slice(0, 8)}`);
      const inbox = new Inbox<{ tls: boolean }>();
      await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
      await queue.producer().send({ tls: true });
      expect(await inbox.waitFor(1, 'the message sent over TLS', 30_000)).toEqual([{ tls: true }]);

      // Without the CA the server's certificate is not trusted: a clear ConnectionError, no password in it.
      const refused = await connectError({ backend: 'rabbitmq', url });
      expect(refused).toBeInstanceOf(ConnectionError);
      expect(String(refused)).toMatch(/certificate/i);
      expect(everything(refused)).not.toContain(secret);
    },
  );
});

describe.runIf(backends.includes('kafka'))('kafka: credentials', () => {
  it('SASL credentials are passed through and never appear in the error', { timeout: 120_000 }, async () => {
    // The test broker speaks PLAINTEXT without SASL: the handshake fails, which is what is checked.
    const error = await connectError({
      backend: 'kafka',
      brokers: inject('kafkaBrokers'),
      sasl: { mechanism: 'scram-sha-256', username: 'app', password: secret },
    });
    expect(error).toBeInstanceOf(ConnectionError);
    expect(everything(error)).not.toContain(secret);
    expect(String(error)).toMatch(/SASL/i);
  });
});

const groupCases = [
  { backend: 'rabbitmq', config: (): ConfigInput => ({ backend: 'rabbitmq', url: inject('rabbitmqUrl') }) },
  { backend: 'kafka', config: (): ConfigInput => ({ backend: 'kafka', brokers: inject('kafkaBrokers') }) },
];
for (const { backend, config } of groupCases) {
  describe.runIf(backends.includes(backend))(`${backend}: groups are isolated`, () => {
    it("one group's ack or retry never settles another group's copy", { timeout: 120_000 }, async (ctx) => {
      const mq = await connect(config());
      ctx.onTestFinished(() => mq.close());
      const queue = mq.queue<string>(`groups-${randomUUID().slice(0, 8)}`);
      const billing = new Inbox<number>();
      const shipping = new Inbox<number>();
      await queue.consumer({ group: 'billing' }).run((m) => billing.push(m.attempt));
      await queue.consumer({ group: 'shipping', retry: { initialDelayMs: 10 } }).run((m) => {
        shipping.push(m.attempt);
        if (m.attempt === 1) throw new Error('not yet');
      });
      await queue.producer().send('order-1');
      expect(await shipping.waitFor(2, 'the retry in the shipping group', 30_000)).toEqual([1, 2]);
      expect(await billing.waitFor(1, 'the billing copy', 30_000)).toEqual([1]);
      expect(billing.items).toEqual([1]); // shipping's retry did not reach billing
    });
  });
}

/** A CA and a server certificate for localhost and 127.0.0.1, signed by it (openssl, valid one day). */
function generateCertificates(): { dir: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), 'anymq-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=anymq test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server-key.pem',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  return { dir, ca: readFileSync(join(dir, 'ca.pem'), 'utf8') };
}
