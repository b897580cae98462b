// Redis entries to and from a client that shares no code with anymq's: redis-cli, as
// docs/wire-format.md (Redis Streams) shows it.
import { connect } from '@anymq/core';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { Inbox } from '@anymq/contract';

const T = 15_000;
const cli = (...args: string[]) =>
  execFileSync('redis-cli', ['-u', inject('redisUrl'), ...args], { encoding: 'utf8', timeout: T });

describe.runIf(inject('backends').includes('redis'))('redis: plain redis-cli and anymq', () => {
  it('an entry with a body field, and one with fields only, both reach a consumer; anymq writes fields redis-cli reads', async (ctx) => {
    const name = `interop-${randomUUID().slice(0, 8)}`;
    const mq = await connect(inject('redisUrl'));
    ctx.onTestFinished(async () => {
      await mq.deleteQueue(name, { groups: ['g'] });
      await mq.close();
    });
    const queue = mq.queue<Record<string, unknown>>(name);
    const inbox = new Inbox<{ id: string; body: Record<string, unknown> }>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push({ id: m.id, body: m.body }));
    cli('XADD', `anymq:{${name}}`, '*', 'body', '{"id":"o-1"}');
    cli('XADD', `anymq:{${name}}`, '*', 'sku', '42', 'qty', '1');
    const [withBody, fieldsOnly] = await inbox.waitFor(2, 'both entries redis-cli added', T);
    expect(withBody?.body).toEqual({ id: 'o-1' });
    expect(withBody?.id).toMatch(new RegExp(`^${name}/\\d+-\\d+$`));
    expect(fieldsOnly?.body).toEqual({ sku: '42', qty: '1' });

    const { id } = await queue.producer().send({ n: 1 }, { key: 'k1', headers: { tenant: 'eu' } });
    const entries = cli('XREVRANGE', `anymq:{${name}}`, '+', '-', 'COUNT', '1');
    for (const expected of ['x-anymq-id', id, 'x-anymq-key', 'k1', 'tenant', 'eu', 'content-type', 'body', '{"n":1}'])
      expect(entries).toContain(expected);
  });
});
