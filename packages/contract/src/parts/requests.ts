import { ClosedError, ConfigError, HeaderNames, RequestFailedError, RequestTimeoutError } from '@anymq/core';
import { Inbox } from '@anymq/testing';
import { expect } from 'vitest';
import type { ContractContext } from '../context.js';
import { type Requirement, needs } from '../requirements.js';

const carriesReplies = needs('requestReply');
const carriesNoReplies: Requirement = (capabilities) =>
  capabilities.requestReply ? 'the transport declares "requestReply"' : undefined;

/** Request-reply: `queue.request` resolves with what the handler returned, fails with the reason, never leaks. */
export function requestTests({ test, client, fresh, T, capabilities }: ContractContext): void {
  test(
    'a request resolves with what the handler returned; parallel requests get their own replies',
    carriesReplies,
    async (ctx) => {
      const mq = await client(ctx);
      const quotes = mq.queue<{ sku: string; quantity: number }>(fresh('quotes'));
      await quotes.consumer({ group: 'pricing', concurrency: 4 }).run((m) => ({
        sku: m.body.sku,
        totalCents: m.body.quantity * 250,
      }));
      const replies = await Promise.all(
        [1, 2, 3, 4, 5].map((quantity) =>
          quotes.request<{ sku: string; totalCents: number }>({ sku: `sku-${quantity}`, quantity }, { timeoutMs: T }),
        ),
      );
      expect(replies).toEqual(
        [1, 2, 3, 4, 5].map((quantity) => ({ sku: `sku-${quantity}`, totalCents: quantity * 250 })),
      );
    },
  );

  test(
    'a handler that returns nothing replies null; the request carries its reply address',
    carriesReplies,
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('fire'));
      const seen = new Inbox<Readonly<Record<string, string>>>();
      await queue.consumer({ group: 'g' }).run((m) => {
        seen.push(m.headers);
      });
      await expect(queue.request('ping', { timeoutMs: T })).resolves.toBeNull();
      const [headers] = await seen.waitFor(1, 'the request', T);
      expect(headers?.[HeaderNames.replyTo]).toMatch(/^anymq\.replies\./);
      expect(headers?.[HeaderNames.correlationId]).toBeTruthy();
    },
  );

  test(
    'a request nobody answers fails with RequestTimeoutError, and is never run later',
    needs('requestReply', 'retainsForIdleGroups', 'deadLetters'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('unanswered'));
      const dead = new Inbox<string>();
      await mq
        .queue<string>(`${queue.name}.dlq`)
        .consumer({ group: 'ops' })
        .run((m) => {
          dead.push(m.headers[HeaderNames.errorCode] ?? '');
        });
      // The group exists and keeps what is sent, but none of its consumers runs.
      const idle = queue.consumer({ group: 'late' });
      await idle.run(() => undefined);
      await idle.close();
      const started = Date.now();
      const error = await queue.request('anyone?', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(error).toMatchObject({ code: 'REQUEST_TIMEOUT', queue: queue.name, timeoutMs: 300 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      // Its expiry is its timeout: the consumer that comes later dead-letters it unhandled.
      const handled = new Inbox<string>();
      await queue.consumer({ group: 'late' }).run((m) => handled.push(m.body));
      expect(await dead.waitFor(1, 'the expired request in the dead-letter queue', T)).toEqual(['EXPIRED']);
      expect(handled.items).toEqual([]);
    },
  );

  test(
    'a request dead-lettered there fails with RequestFailedError and the reason, not at its timeout',
    needs('requestReply', 'deadLetters'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('refused'));
      await queue.consumer({ group: 'g', retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } }).run(() => {
        throw new Error('out of stock');
      });
      const error = await queue.request('sku-9', { timeoutMs: T }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestFailedError);
      expect(error).toMatchObject({ code: 'REQUEST_FAILED', remoteCode: 'Error', queue: queue.name });
      expect((error as Error).message).toContain('out of stock');
    },
  );

  test(
    'a request the handler nacks is not answered; the retry that succeeds answers it',
    needs('requestReply', 'redelivery'),
    async (ctx) => {
      const mq = await client(ctx);
      const queue = mq.queue<string>(fresh('nacked'));
      await queue.consumer({ group: 'g', retry: { initialDelayMs: 10, maxDelayMs: 10 } }).run(async (m) => {
        if (m.attempt === 1) {
          await m.nack(new Error('not yet'));
          return 'from the nacked attempt';
        }
        return `answered on attempt ${m.attempt}`;
      });
      await expect(queue.request('x', { timeoutMs: T })).resolves.toBe('answered on attempt 2');
    },
  );

  test('close fails what waits with ClosedError and leaves no reply consumer behind', carriesReplies, async (ctx) => {
    const mq = await client(ctx);
    const observer = await client(ctx);
    const queue = mq.queue<string>(fresh('closing'));
    const requests = new Inbox<string>();
    await queue.consumer({ group: 'slow' }).run(async (m) => {
      requests.push(m.headers[HeaderNames.replyTo] ?? '');
      // Held until the client closes, then handed back: no reply is sent.
      await new Promise((_, reject) =>
        m.signal.addEventListener('abort', () => reject(m.signal.reason), { once: true }),
      );
    });
    const waiting = queue.request('never answered', { timeoutMs: T * 2 }).catch((e: unknown) => e);
    const [replyQueue = ''] = await requests.waitFor(1, 'the request at the handler', T);
    await mq.close();
    expect(await waiting).toBeInstanceOf(ClosedError);
    if (capabilities.inspection?.consumers) {
      const after = await observer.inspect(replyQueue, { groups: ['replies'] }).catch(() => undefined);
      expect(after?.groups[0]?.consumers ?? 0).toBe(0);
    }
    await expect(queue.request('after close')).rejects.toBeInstanceOf(ClosedError);
  });

  test('a bad timeoutMs is a ConfigError naming it, and nothing is sent', carriesReplies, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<string>(fresh('bad-timeout'));
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(queue.request('x', { timeoutMs })).rejects.toMatchObject({ field: 'timeoutMs' });
    }
    await expect(queue.request('x', { timeoutMs: 0 })).rejects.toBeInstanceOf(ConfigError);
  });

  test(
    'a backend without requestReply refuses a request with a ConfigError, and sends nothing',
    carriesNoReplies,
    async (ctx) => {
      const mq = await client(ctx);
      const error = await mq
        .queue<string>(fresh('no-replies'))
        .request('x', { timeoutMs: T })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field: 'backend', message: expect.stringContaining('capabilities.requestReply') });
    },
  );
}
