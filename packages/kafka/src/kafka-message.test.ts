import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { NOT_BEFORE_HEADER, copyOf, fromKafkaMessage, toKafkaMessage } from './kafka-message.js';
import { delayTopic, kafkaGroupId, retryTopic } from './topics.js';

const record = (headers: KafkaMessage['headers'], key: string | null = 'k', offset = '42'): KafkaMessage => ({
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from('{}'),
  timestamp: '1700000000123',
  attributes: 0,
  offset,
  headers: headers ?? {},
});

describe('Kafka message mapping', () => {
  it('writes the key, the send time and the documented headers', () => {
    const message = toKafkaMessage({
      id: 'm-1',
      body: new Uint8Array([1, 2]),
      key: 'customer-1',
      headers: { 'content-type': 'application/json', tenant: 'acme' },
      timestamp: 1_700_000_000_123,
      delayMs: 0,
    });
    expect(message).toMatchObject({
      key: 'customer-1',
      timestamp: '1700000000123',
      headers: { 'content-type': 'application/json', tenant: 'acme', 'x-anymq-id': 'm-1' },
    });
    expect([...(message.value as Buffer)]).toEqual([1, 2]);
  });

  it('ignores implausible counts and schedules from other producers', () => {
    for (const hostile of ['99999999999999999999', '-5', 'abc', '1e3', String(2 ** 62)]) {
      const fields = fromKafkaMessage(
        record({ 'x-anymq-attempt': hostile, 'x-anymq-retries': hostile, [NOT_BEFORE_HEADER]: hostile }),
        'orders',
        0,
      );
      expect(fields.attempt, hostile).toBe(1);
      expect(fields.notBefore, hostile).toBe(0);
      expect(fields.ignored, hostile).toEqual([
        `x-anymq-attempt=${hostile}`,
        `x-anymq-retries=${hostile}`,
        `x-anymq-not-before=${hostile}`,
      ]);
    }
    expect(fromKafkaMessage(record({ 'x-anymq-attempt': '0' }), 'orders', 0)).toMatchObject({
      attempt: 1,
      ignored: ['x-anymq-attempt=0'],
    });
  });

  it('still reads the older x-anymq-retries (attempt − 1) of copies written before 0.2; x-anymq-attempt wins', () => {
    expect(fromKafkaMessage(record({ 'x-anymq-retries': '2' }), 'orders', 0).attempt).toBe(3);
    expect(fromKafkaMessage(record({ 'x-anymq-attempt': '5', 'x-anymq-retries': '2' }), 'orders', 0).attempt).toBe(5);
    expect(fromKafkaMessage(record({ 'x-anymq-retries': '2', 'x-anymq-attempt': '5' }), 'orders', 0).attempt).toBe(5);
  });

  it('reads ids, attempts and schedules, and hides its own headers from the handler', () => {
    const fields = fromKafkaMessage(
      record({
        'x-anymq-id': 'm-1',
        'x-anymq-attempt': '3',
        [NOT_BEFORE_HEADER]: '1700000001000',
        tenant: Buffer.from('acme'),
      }),
      'orders',
      3,
    );
    expect(fields).toEqual({
      id: 'm-1',
      key: 'k',
      headers: { tenant: 'acme' },
      timestamp: 1_700_000_000_123,
      attempt: 3,
      notBefore: 1_700_000_001_000,
    });
  });

  it('identifies a record of a plain producer by where it lives', () => {
    const fields = fromKafkaMessage(record(undefined, null, '7'), 'orders', 2);
    expect(fields.id).toBe('orders/2/7');
    expect(fields.key).toBeUndefined();
    expect(fields.attempt).toBe(1);
  });

  it('copies keep key, value and headers but not the schedule or the attempt (a dead letter starts at 1)', () => {
    const copy = copyOf(
      record({ tenant: 'acme', 'x-anymq-attempt': '2', 'x-anymq-retries': '1', [NOT_BEFORE_HEADER]: '5' }),
      'm-1',
      { 'x-anymq-error': 'boom' },
    );
    expect(copy.headers).toEqual({ tenant: 'acme', 'x-anymq-id': 'm-1', 'x-anymq-error': 'boom' });
    expect(copy.key?.toString()).toBe('k');
  });

  it('names groups and topics per queue', () => {
    expect(kafkaGroupId('orders', 'billing')).toBe('orders.billing');
    expect(retryTopic('orders', 'billing')).toBe('orders.billing.retry');
    expect(delayTopic('orders')).toBe('orders.delay');
  });
});
