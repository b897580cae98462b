import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { HEADER_BUDGET_BYTES, copyOptions, fromDelivery, routingKeyFor, toPublishOptions } from './amqp-message.js';

const outgoing = {
  id: 'm-1',
  body: new Uint8Array([1]),
  key: 'customer-1',
  headers: { 'content-type': 'application/json', tenant: 'acme' },
  timestamp: 1_700_000_000_123,
  delayMs: 0,
};

function delivery(
  properties: Partial<ConsumeMessage['properties']>,
  fields: Partial<ConsumeMessage['fields']> = {},
): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'orders', routingKey: '', consumerTag: 'c', ...fields },
    properties: { headers: {}, ...properties } as ConsumeMessage['properties'],
  };
}

describe('AMQP message mapping', () => {
  it('writes standard properties and the documented headers', () => {
    expect(toPublishOptions(outgoing)).toEqual({
      messageId: 'm-1',
      contentType: 'application/json',
      timestamp: 1_700_000_000,
      persistent: true,
      headers: { tenant: 'acme', 'x-anymq-timestamp': '1700000000123', 'x-anymq-key': 'customer-1' },
    });
  });

  it('reads back what it wrote, with the attempt a copy carries', () => {
    const options = toPublishOptions(outgoing);
    const copy = { ...options, headers: { ...options.headers, 'x-anymq-attempt': '3' } };
    const fields = fromDelivery(
      delivery(copy as ConsumeMessage['properties'], { exchange: '', routingKey: 'orders.g.retry.100' }),
      'orders',
    );
    expect(fields).toEqual({
      id: 'm-1',
      key: 'customer-1',
      headers: { tenant: 'acme', 'content-type': 'application/json' },
      timestamp: 1_700_000_000_123,
      attempt: 3,
      abandoned: 0,
    });
  });

  it("reads anymq's abandoned count, and ignores the broker's x-delivery-count (copies count instead)", () => {
    const fields = fromDelivery(
      delivery({
        messageId: 'm',
        headers: { 'x-anymq-attempt': '2', 'x-anymq-abandoned': '1', 'x-delivery-count': 2 },
      }),
      'orders',
    );
    expect(fields).toMatchObject({ attempt: 2, abandoned: 1, headers: {} });
  });

  it('still reads the older x-anymq-retries (attempt − 1) of copies written before 0.2; x-anymq-attempt wins', () => {
    expect(fromDelivery(delivery({ messageId: 'm', headers: { 'x-anymq-retries': '1' } }), 'orders')).toMatchObject({
      attempt: 2,
      headers: {},
    });
    expect(
      fromDelivery(delivery({ messageId: 'm', headers: { 'x-anymq-retries': '1', 'x-anymq-attempt': '4' } }), 'orders')
        .attempt,
    ).toBe(4);
  });

  it('ignores implausible counts from other producers', () => {
    for (const count of ['99999999999999999999', 2 ** 62, '-5', 'abc']) {
      const fields = fromDelivery(
        delivery({ messageId: 'm', headers: { 'x-anymq-attempt': count, 'x-anymq-abandoned': count } }),
        'orders',
      );
      expect(fields).toMatchObject({ attempt: 1, abandoned: 0 });
      expect(fields.ignored).toEqual([`x-anymq-attempt=${count}`, `x-anymq-abandoned=${count}`]);
    }
    expect(fromDelivery(delivery({ messageId: 'm', headers: { 'x-anymq-attempt': '0' } }), 'orders').ignored).toEqual([
      'x-anymq-attempt=0',
    ]);
    expect(
      fromDelivery(delivery({ messageId: 'm', headers: { 'x-anymq-attempt': '2' } }), 'orders').ignored,
    ).toBeUndefined();
  });

  it('reads messages of plain AMQP clients: routing key as key, AMQP timestamp, typed headers', () => {
    const fields = fromDelivery(
      delivery(
        { messageId: undefined, timestamp: 1_700_000_000, headers: { n: 5, raw: Buffer.from('bytes'), 'x-death': [] } },
        { routingKey: 'k-9' },
      ),
      'orders',
    );
    expect(fields.key).toBe('k-9');
    expect(fields.timestamp).toBe(1_700_000_000_000);
    expect(fields.headers).toEqual({ n: '5', raw: 'bytes' });
    expect(fields.attempt).toBe(1);
    expect(fields.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("copies keep properties and the delivery's id, and drop RabbitMQ's and the original's bookkeeping", () => {
    const headers = {
      a: '1',
      'x-death': [],
      'x-first-death-queue': 'q',
      'x-delivery-count': 3,
      'x-anymq-attempt': '2',
      'x-anymq-retries': '1',
      'x-anymq-abandoned': '1',
    };
    const copy = copyOptions(
      delivery({ messageId: undefined, contentType: 'text/plain', headers }),
      { id: 'id-1', key: 'k-9', timestamp: 1_700_000_000_000 },
      { 'x-anymq-attempt': '3' },
    );
    expect(copy).toMatchObject({
      messageId: 'id-1',
      contentType: 'text/plain',
      persistent: true,
      headers: { a: '1', 'x-anymq-attempt': '3', 'x-anymq-key': 'k-9', 'x-anymq-timestamp': '1700000000000' },
    });
    for (const gone of ['x-death', 'x-delivery-count', 'x-anymq-retries', 'x-anymq-abandoned'])
      expect(copy.headers).not.toHaveProperty(gone);
    // A dead letter starts again at attempt 1 in its own queue.
    const letter = copyOptions(
      delivery({ messageId: 'm', headers }),
      { id: 'm', key: undefined, timestamp: 1 },
      { 'x-anymq-origin-attempt': '2' },
    );
    expect(fromDelivery(delivery(letter as ConsumeMessage['properties']), 'orders.dlq').attempt).toBe(1);
  });

  it('derives a stable id for a message without one: the same on every redelivery, another for another body', () => {
    const first = fromDelivery(delivery({ messageId: undefined, headers: { a: '1' } }, { routingKey: 'k' }), 'orders');
    const again = fromDelivery(
      delivery(
        { messageId: undefined, headers: { a: '1', 'x-delivery-count': 2 } },
        { routingKey: 'k', redelivered: true },
      ),
      'orders',
    );
    const other = fromDelivery(
      {
        ...delivery({ messageId: undefined, headers: { a: '1' } }, { routingKey: 'k' }),
        content: Buffer.from('other'),
      },
      'orders',
    );
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });

  it("a copy leaves out the sender's largest headers when they would not encode, and says which", () => {
    const headers = { big: 'x'.repeat(60_000), small: 'kept', 'x-anymq-attempt': '2' };
    const copy = copyOptions(
      delivery({ messageId: 'm', headers }),
      { id: 'm', key: undefined, timestamp: 1 },
      { 'x-anymq-error': 'boom' },
    );
    expect(copy.headers).toMatchObject({ small: 'kept', 'x-anymq-error': 'boom', 'x-anymq-headers-dropped': 'big' });
    expect(copy.headers).not.toHaveProperty('big');
    expect(Buffer.byteLength(JSON.stringify(copy.headers))).toBeLessThanOrEqual(HEADER_BUDGET_BYTES);
  });

  it('long keys travel in the header only', () => {
    expect(routingKeyFor('x'.repeat(256))).toBe('');
    expect(routingKeyFor(undefined)).toBe('');
    expect(routingKeyFor('k')).toBe('k');
  });
});
