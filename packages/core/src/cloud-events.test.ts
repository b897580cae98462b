import { describe, expect, it } from 'vitest';
import { CloudEvents } from './cloud-events.js';
import { bytesCodec, jsonCodec } from './codec.js';
import { ConfigError, EnvelopeError } from './errors.js';

const structured = new CloudEvents({ source: '/orders', type: 'order.created' }, undefined, 'memory');
const binary = new CloudEvents({ mode: 'binary', source: '/orders', type: 'order.created' }, 'ce_', 'kafka');
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const event = (fields: Record<string, unknown>) =>
  json({ specversion: '1.0', id: 'e-1', source: '/s', type: 't', ...fields });
const cloudEventsJson = { 'content-type': 'application/cloudevents+json' };

describe('CloudEvents', () => {
  it('writes a structured event with JSON data embedded as it is, and reads it back', () => {
    const { body, headers } = structured.write(
      'id-1',
      Date.UTC(2026, 0, 2),
      json({ a: [1, 2] }),
      { tenant: 'x' },
      jsonCodec,
      { subject: 's' },
    );
    expect(headers).toEqual({ tenant: 'x', 'content-type': 'application/cloudevents+json; charset=utf-8' });
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({
      specversion: '1.0',
      id: 'id-1',
      source: '/orders',
      type: 'order.created',
      time: '2026-01-02T00:00:00.000Z',
      subject: 's',
      datacontenttype: 'application/json',
      data: { a: [1, 2] },
    });
    const read = structured.read(body, headers);
    expect(read?.attributes).toMatchObject({ id: 'id-1', subject: 's', extensions: {} });
    expect(JSON.parse(new TextDecoder().decode(read?.data))).toEqual({ a: [1, 2] });
  });

  it('writes bytes as data_base64 and reads them back byte for byte', () => {
    const data = Uint8Array.from([0, 255, 10, 13]);
    const { body, headers } = structured.write('id-2', 0, data, {}, bytesCodec as never, undefined);
    expect(JSON.parse(new TextDecoder().decode(body))).toMatchObject({
      data_base64: 'AP8KDQ==',
      datacontenttype: 'application/octet-stream',
    });
    expect(structured.read(body, headers)?.data).toEqual(Buffer.from(data));
  });

  it('writes binary mode as prefixed headers and reads foreign binary events with extensions', () => {
    const { body, headers } = binary.write('id-3', 0, json(1), { 'content-type': 'application/json' }, jsonCodec, {
      extensions: { traceparent: 'tp', n: 2 },
    });
    expect(body).toEqual(json(1));
    expect(headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: 'id-3',
      ce_source: '/orders',
      ce_type: 'order.created',
      ce_traceparent: 'tp',
      ce_n: '2',
    });
    const read = binary.read(body, headers);
    expect(read?.attributes).toMatchObject({
      id: 'id-3',
      datacontenttype: 'application/json',
      extensions: { traceparent: 'tp', n: '2' },
    });
  });

  it('passes plain messages through: no CloudEvent', () => {
    expect(structured.read(json(1), { 'content-type': 'application/json' })).toBeUndefined();
    expect(structured.read(json(1), { ce_specversion: '1.0' })).toBeUndefined(); // no binding: headers are just headers
    expect(binary.read(json(1), {})).toBeUndefined();
  });

  it('reads data without datacontenttype as JSON, and an event without data as null', () => {
    expect(new TextDecoder().decode(structured.read(event({ data: 'text' }), cloudEventsJson)?.data)).toBe('"text"');
    expect(new TextDecoder().decode(structured.read(event({}), cloudEventsJson)?.data)).toBe('null');
    const text = structured.read(event({ datacontenttype: 'text/plain', data: 'hi' }), cloudEventsJson);
    expect(new TextDecoder().decode(text?.data)).toBe('hi');
    expect(text?.contentType).toBe('text/plain');
  });

  it.each([
    [{ specversion: '0.3' }, '"specversion" must be "1.0"'],
    [{ id: '' }, '"id" must be a non-empty string'],
    [{ source: undefined }, '"source" is required'],
    [{ source: 'has space' }, '"source" must be a URI reference'],
    [{ type: 5 }, '"type" must be a non-empty string'],
    [{ time: 'yesterday' }, '"time" must be an RFC 3339 timestamp'],
    [{ time: '2026-13-45T99:00:00Z' }, '"time" must be an RFC 3339 timestamp'],
    [{ datacontenttype: 'json' }, '"datacontenttype" must be a media type'],
    [{ 'Bad-Name': 'x' }, '"Bad-Name" is not a valid extension name'],
    [{ ext: { nested: true } }, '"ext" must be a string, a boolean or a whole number'],
    [{ data: 1, data_base64: 'AA==' }, '"data" or "data_base64", not both'],
    [{ data_base64: 'not base64!' }, '"data_base64" must be a base64 string'],
  ])('refuses %j: %s', (fields, reason) => {
    expect(() => structured.read(event(fields), cloudEventsJson)).toThrow(EnvelopeError);
    expect(() => structured.read(event(fields), cloudEventsJson)).toThrow(reason);
  });

  it('refuses a structured body that is not a JSON object', () => {
    expect(() => structured.read(new TextEncoder().encode('[1]'), cloudEventsJson)).toThrow('must be a JSON object');
    expect(() => structured.read(new TextEncoder().encode('{'), cloudEventsJson)).toThrow('is not UTF-8 JSON');
  });

  it('refuses a binary event with a missing attribute', () => {
    expect(() => binary.read(json(1), { ce_specversion: '1.0', ce_id: 'x', ce_type: 't' })).toThrow(
      '"source" is required',
    );
  });

  it('names the field and the fix for bad options', () => {
    expect(() => new CloudEvents({ mode: 'binary' }, undefined, 'rabbitmq')).toThrow(
      /rabbitmq has no CloudEvents binding.*Fix: use mode "structured"/,
    );
    expect(() => new CloudEvents({ mode: 'both' as never }, undefined, 'memory')).toThrow(ConfigError);
    expect(() => new CloudEvents({ source: 'a b' }, undefined, 'memory')).toThrow(
      'queue option "cloudEvents.source" must be a URI reference',
    );
    const noDefaults = new CloudEvents({}, undefined, 'memory');
    expect(() => noDefaults.write('i', 0, json(1), {}, jsonCodec, undefined)).toThrow(
      /"source" is required. Fix: set cloudEvents.source on the queue, or cloudEvent.source on send/,
    );
    expect(() => structured.write('i', 0, json(1), {}, jsonCodec, { extensions: { type: 'x' } })).toThrow(
      'send option "cloudEvent.extensions.type" is a reserved attribute name',
    );
    expect(() => structured.write('i', 0, json(1), {}, jsonCodec, { time: new Date(Number.NaN) })).toThrow(
      '"cloudEvent.time" is an invalid Date',
    );
  });
});
