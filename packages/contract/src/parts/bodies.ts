import { randomBytes } from 'node:crypto';
import { type Message, PublishError, ValidationError, bytesCodec } from '@anymq/core';
import { expect } from 'vitest';
import { z } from 'zod';
import type { ContractContext } from '../context.js';
import { Inbox, deadLetterInbox } from '@anymq/testing';
import { always, needs, needsMegabyte, needsBinaryCloudEvents, needsSizeLimit } from '../requirements.js';

/** Bodies and schemas: bytes, large bodies and limits, CloudEvents, schemas and codecs. */
export function bodyTests({ test, client, fresh, T, capabilities }: ContractContext): void {
  test('binary bodies survive byte for byte', always, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<Uint8Array>(fresh('binary'), { codec: bytesCodec });
    const inbox = new Inbox<Uint8Array>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1000)]);
    await queue.producer().send(body);
    const [received] = await inbox.waitFor(1, 'the message', T);
    expect(Buffer.from(received ?? []).equals(body)).toBe(true);
  });

  test(
    'CloudEvents, structured: attributes, JSON and binary data survive; plain messages still arrive',
    always,
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('ce-structured');
      const events = { mode: 'structured' as const, source: '/contract/orders', type: 'com.example.order.created' };
      const queue = mq.queue<{ order: number }>(name, { cloudEvents: events });
      const inbox = new Inbox<Message<{ order: number }>>();
      await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
      const time = '2026-01-02T03:04:05.678Z';
      const { id } = await queue
        .producer()
        .send(
          { order: 7 },
          { key: 'k', cloudEvent: { subject: 'order-7', time, extensions: { tenant: 'acme', priority: 3 } } },
        );
      await mq.queue<{ order: number }>(name).producer().send({ order: 8 });
      const arrived = await inbox.waitFor(2, 'the event and the plain message', T);
      // In either order: they have different keys, so they may travel apart.
      const event = arrived.find((m) => m.body.order === 7);
      const plain = arrived.find((m) => m.body.order === 8);
      expect(event).toMatchObject({ id, body: { order: 7 }, key: 'k' });
      expect(event?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
      expect(event?.cloudEvent).toEqual({
        specversion: '1.0',
        id,
        source: events.source,
        type: events.type,
        subject: 'order-7',
        time,
        datacontenttype: 'application/json',
        extensions: { tenant: 'acme', priority: 3 },
      });
      expect(plain).toMatchObject({ body: { order: 8 } });
      expect(plain?.cloudEvent).toBeUndefined();

      // A client of its own: a transport may carry one queue per client (multipleQueues false).
      const bytes = (await client(ctx)).queue<Uint8Array>(fresh('ce-bytes'), {
        codec: bytesCodec,
        cloudEvents: events,
      });
      const received = new Inbox<Message<Uint8Array>>();
      await bytes.consumer({ group: 'g' }).run((m) => received.push(m));
      const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await bytes.producer().send(body);
      const [binary] = await received.waitFor(1, 'the event with bytes data', T);
      expect(Buffer.from(binary?.body ?? []).equals(body)).toBe(true);
      expect(binary?.cloudEvent?.datacontenttype).toBe('application/octet-stream');
    },
  );

  test(
    "CloudEvents, binary: attributes travel in the binding's headers, the body is the data",
    needsBinaryCloudEvents,
    async (ctx) => {
      const prefix = capabilities.cloudEventsHeaderPrefix as string;
      const mq = await client(ctx);
      const queue = mq.queue<{ order: number }>(fresh('ce-binary'), {
        cloudEvents: { mode: 'binary', source: 'urn:contract', type: 'com.example.order.paid' },
      });
      const inbox = new Inbox<Message<{ order: number }>>();
      await queue.consumer({ group: 'g' }).run((m) => inbox.push(m));
      const { id } = await queue
        .producer()
        .send({ order: 9 }, { cloudEvent: { subject: 's-9', extensions: { region: 'eu' } } });
      const [event] = await inbox.waitFor(1, 'the binary event', T);
      expect(event?.body).toEqual({ order: 9 });
      expect(event?.headers).toMatchObject({
        'content-type': 'application/json',
        [`${prefix}id`]: id,
        [`${prefix}specversion`]: '1.0',
        [`${prefix}region`]: 'eu',
      });
      expect(event?.cloudEvent).toMatchObject({
        id,
        source: 'urn:contract',
        type: 'com.example.order.paid',
        subject: 's-9',
        extensions: { region: 'eu' },
      });
      expect(Date.parse(event?.cloudEvent?.time ?? '')).toBeGreaterThan(Date.now() - 60_000);
    },
  );

  test(
    'a CloudEvent that breaks the spec is dead-lettered as INVALID_ENVELOPE naming the attribute',
    needs('deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('ce-invalid');
      const dead = await deadLetterInbox<Uint8Array>(mq, name, { codec: bytesCodec });
      const handled = new Inbox<unknown>();
      await mq
        .queue(name, { cloudEvents: {} })
        .consumer({ group: 'g' })
        .run((m) => handled.push(m.body));
      const raw = mq.queue<Uint8Array>(name, { codec: bytesCodec }).producer();
      const headers = { 'content-type': 'application/cloudevents+json' };
      await raw.send(Buffer.from(JSON.stringify({ specversion: '1.0', id: 'e-1', type: 't', data: 1 })), { headers });
      await raw.send(Buffer.from(JSON.stringify({ specversion: '1.0', id: 'e-2', source: '/s', type: 't', data: 2 })), {
        headers,
      });
      const [letter] = await dead.waitFor(1, 'the event without a source in the dead-letter queue', T);
      expect(letter?.headers).toMatchObject({ 'x-anymq-error-code': 'INVALID_ENVELOPE' });
      expect(letter?.headers['x-anymq-error']).toContain('"source" is required');
      expect(await handled.waitFor(1, 'the valid event', T)).toEqual([2]);
    },
  );

  test('large bodies (1 MiB) survive', needsMegabyte, async (ctx) => {
    const mq = await client(ctx);
    const queue = mq.queue<Uint8Array>(fresh('large'), { codec: bytesCodec });
    const inbox = new Inbox<Uint8Array>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    const body = randomBytes(1024 * 1024);
    await queue.producer().send(body);
    const [received] = await inbox.waitFor(1, 'the 1 MiB message', T);
    expect(Buffer.from(received ?? []).equals(body)).toBe(true);
  });

  test(
    'a body above maxMessageBytes fails its own send, naming the limit; the messages around it arrive',
    needsSizeLimit,
    async (ctx) => {
      const limit = capabilities.maxMessageBytes as number;
      const mq = await client(ctx);
      const queue = mq.queue<Uint8Array>(fresh('too-large'), { codec: bytesCodec });
      const inbox = new Inbox<string>();
      await queue.consumer({ group: 'g' }).run((m) => inbox.push(Buffer.from(m.body).toString()));
      const producer = queue.producer();
      const [before, tooLarge, after] = await Promise.allSettled([
        producer.send(Buffer.from('before')),
        producer.send(Buffer.alloc(limit + 1)),
        producer.send(Buffer.from('after')),
      ]);
      expect(before.status).toBe('fulfilled');
      expect(after.status).toBe('fulfilled');
      expect(tooLarge.status).toBe('rejected');
      const error = (tooLarge as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(PublishError);
      expect(error.message).toContain(`limit of ${limit} bytes`);
      expect((await inbox.waitFor(2, 'the messages sent around the refused one', T)).sort()).toEqual([
        'after',
        'before',
      ]);
    },
  );

  test('send rejects a schema-invalid body with ValidationError before anything leaves', always, async (ctx) => {
    const mq = await client(ctx);
    const Order = z.object({ id: z.string(), amount: z.number().positive() });
    const queue = mq.queue(fresh('schema-send'), { schema: Order });
    const inbox = new Inbox<unknown>();
    await queue.consumer({ group: 'g' }).run((m) => inbox.push(m.body));
    const producer = queue.producer();
    const invalid = { id: 'o-1', amount: -5 };
    const rejection = await producer.send(invalid).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(ValidationError);
    expect((rejection as ValidationError).issues[0]?.path).toBe('amount');
    await producer.send({ id: 'o-2', amount: 5 });
    await inbox.waitFor(1, 'the valid message', T);
    expect(inbox.items).toEqual([{ id: 'o-2', amount: 5 }]);
  });

  test(
    'schema-invalid messages go to the dead-letter queue, not to the handler',
    needs('deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('schema-receive');
      const dead = await deadLetterInbox<unknown>(mq, name);
      const handled = new Inbox<unknown>();
      const Order = z.object({ id: z.string(), amount: z.number() });
      await mq
        .queue(name, { schema: Order })
        .consumer({ group: 'g' })
        .run((m) => handled.push(m.body));
      // A producer without the schema, like a plain client of the broker.
      await mq
        .queue(name)
        .producer()
        .sendBatch([{ body: { id: 'o-1', amount: 'ten' } }, { body: { id: 'o-2', amount: 10 } }]);
      const [message] = await dead.waitFor(1, 'the invalid message in the dead-letter queue', T);
      await handled.waitFor(1, 'the valid message', T);
      expect(message?.headers['x-anymq-error-code']).toBe('VALIDATION_FAILED');
      expect(message?.headers['x-anymq-error']).toContain('amount');
      expect(handled.items).toEqual([{ id: 'o-2', amount: 10 }]);
    },
  );

  test(
    'bodies the codec cannot decode go to the dead-letter queue',
    needs('deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('undecodable');
      const dead = await deadLetterInbox<Uint8Array>(mq, name, { codec: bytesCodec });
      const handled = new Inbox<unknown>();
      await mq
        .queue(name)
        .consumer({ group: 'g' })
        .run((m) => handled.push(m.body));
      await mq.queue(name, { codec: bytesCodec }).producer().send(Buffer.from('{"not json'));
      await mq.queue(name).producer().send({ fine: true });
      const [message] = await dead.waitFor(1, 'the undecodable message in the dead-letter queue', T);
      await handled.waitFor(1, 'the decodable message', T);
      expect(Buffer.from(message?.body ?? []).toString()).toBe('{"not json');
      expect(message?.headers['x-anymq-error-code']).toBe('DECODE_FAILED');
      expect(handled.items).toEqual([{ fine: true }]);
    },
  );

  test(
    'a message in another content type than the codec reads goes to the dead-letter queue, even if it parses',
    needs('deadLetters', 'multipleQueues'),
    async (ctx) => {
      const mq = await client(ctx);
      const name = fresh('content-type');
      const dead = await deadLetterInbox<Uint8Array>(mq, name, { codec: bytesCodec });
      const handled = new Inbox<unknown>();
      await mq
        .queue(name)
        .consumer({ group: 'g' })
        .run((m) => handled.push(m.body));
      const textCodec = {
        contentType: 'text/plain',
        encode: (text: string) => Buffer.from(text),
        decode: (bytes: Uint8Array) => Buffer.from(bytes).toString(),
      };
      await mq.queue(name, { codec: textCodec }).producer().send('{"looks": "like json"}');
      await mq.queue(name).producer().send({ fine: true });
      const [message] = await dead.waitFor(1, 'the text/plain message in the dead-letter queue', T);
      await handled.waitFor(1, 'the JSON message', T);
      expect(message?.headers['x-anymq-error']).toContain('content type "text/plain"');
      expect(message?.headers['x-anymq-error-code']).toBe('DECODE_FAILED');
      expect(handled.items).toEqual([{ fine: true }]);
    },
  );
}
