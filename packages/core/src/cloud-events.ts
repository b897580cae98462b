import { type Codec, mediaType } from './codec.js';
import { CodecError, ConfigError, EnvelopeError } from './errors.js';
import { HeaderNames } from './headers.js';

/**
 * CloudEvents 1.0 (https://cloudevents.io), the envelope Dapr, Knative and cloud event routers speak.
 * A queue opts in with `cloudEvents`; its producer then writes every message as an event, and its
 * consumer reads events (structured, or binary where the transport has a protocol binding) as well
 * as plain messages, with the event's attributes on `message.cloudEvent`.
 */
export interface CloudEventsOptions {
  /**
   * How events are written. `structured` (default): the body is a JSON event
   * (`application/cloudevents+json`) holding the data, on every backend. `binary`: the body is the
   * data and the attributes travel in headers, where the transport declares a CloudEvents binding
   * (`capabilities.cloudEventsHeaderPrefix`, e.g. Kafka's `ce_`).
   */
  mode?: 'structured' | 'binary';
  /** The `source` of events sent on this queue, unless a send gives its own. A URI reference. */
  source?: string;
  /** The `type` of events sent on this queue, unless a send gives its own, e.g. `com.acme.order.created`. */
  type?: string;
}

/** Per-send attributes; `id` is the message id and `time` the send time unless given. */
export interface CloudEventSendOptions {
  source?: string;
  type?: string;
  subject?: string;
  /** RFC 3339 timestamp or a Date. Default: the send time. */
  time?: string | Date;
  dataschema?: string;
  /** Extension attributes: lower-case letters and digits for names. */
  extensions?: Record<string, string | number | boolean>;
}

/** A received event's attributes (context attributes, in the spec's words). */
export interface CloudEventAttributes {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  readonly time?: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  /** Extension attributes; in binary mode every value arrives as a string. */
  readonly extensions: Readonly<Record<string, string | number | boolean>>;
}

/** The media type of a structured JSON event. */
export const CLOUD_EVENTS_JSON = 'application/cloudevents+json';
const STRUCTURED_CONTENT_TYPE = `${CLOUD_EVENTS_JSON}; charset=utf-8`;
const REQUIRED = ['id', 'source', 'type'] as const;
const OPTIONAL = ['subject', 'time', 'datacontenttype', 'dataschema'] as const;
const RESERVED = new Set<string>(['specversion', ...REQUIRED, ...OPTIONAL, 'data', 'data_base64']);
// RFC 3339 date-time, as CloudEvents' `time` requires.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
// Nothing that a URI reference cannot hold: no whitespace, no control characters.
const URI_REFERENCE = /^[^\s\p{Cc}]+$/u;

const isJson = (contentType: string) => {
  const type = mediaType(contentType);
  return type === 'application/json' || type.endsWith('+json');
};

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** A received event, ready for the queue's codec. */
export interface ReadEvent {
  readonly attributes: CloudEventAttributes;
  /** The event's data as bytes in `contentType`. */
  readonly data: Uint8Array;
  readonly contentType: string | undefined;
}

/** Reads and writes the events of one queue. Built once per producer or consumer. */
export class CloudEvents {
  readonly #mode: 'structured' | 'binary';
  readonly #source: string | undefined;
  readonly #type: string | undefined;
  /** The transport's binary-mode header prefix, if it has a CloudEvents binding. */
  readonly #prefix: string | undefined;

  constructor(options: CloudEventsOptions, headerPrefix: string | undefined, backend: string) {
    const mode = options.mode ?? 'structured';
    if (mode !== 'structured' && mode !== 'binary') {
      throw new ConfigError(
        `queue option "cloudEvents.mode" must be "structured" or "binary", not ${JSON.stringify(mode)}.`,
        {
          field: 'cloudEvents.mode',
        },
      );
    }
    if (mode === 'binary' && headerPrefix === undefined) {
      throw new ConfigError(
        `queue option "cloudEvents.mode" is "binary", but ${backend} has no CloudEvents binding for binary mode. Fix: use mode "structured", which every backend carries.`,
        { field: 'cloudEvents.mode' },
      );
    }
    for (const name of ['source', 'type'] as const) {
      const value = options[name];
      if (value !== undefined)
        checkAttribute(
          name,
          value,
          (reason) =>
            new ConfigError(`queue option "cloudEvents.${name}" ${reason}.`, { field: `cloudEvents.${name}` }),
        );
    }
    this.#mode = mode;
    this.#source = options.source;
    this.#type = options.type;
    this.#prefix = headerPrefix;
  }

  /** The body and headers of an outgoing event whose data `body` the codec already encoded. */
  write(
    id: string,
    timestamp: number,
    body: Uint8Array,
    headers: Readonly<Record<string, string>>,
    codec: Codec<unknown>,
    options: CloudEventSendOptions | undefined,
  ): { body: Uint8Array; headers: Record<string, string> } {
    const attributes = this.#attributes(id, timestamp, options);
    if (this.#mode === 'binary') {
      const prefix = this.#prefix as string;
      const out: Record<string, string> = { ...headers };
      for (const [name, value] of Object.entries(attributes)) out[prefix + name] = String(value);
      return { body, headers: out };
    }
    const dataContentType = codec.contentType;
    const head = JSON.stringify({ ...attributes, datacontenttype: dataContentType });
    // JSON data is embedded as it is (no parse and re-serialise); anything else as base64.
    const data = isJson(dataContentType)
      ? `"data":${jsonText(body)}`
      : `"data_base64":${JSON.stringify(Buffer.from(body).toString('base64'))}`;
    return {
      body: textEncoder.encode(`${head.slice(0, -1)},${data}}`),
      headers: { ...headers, [HeaderNames.contentType]: STRUCTURED_CONTENT_TYPE },
    };
  }

  /**
   * The event in a delivery, or undefined for a plain message (not a CloudEvent). Throws
   * `EnvelopeError` for an event that breaks the spec's rules, naming the attribute.
   */
  read(body: Uint8Array, headers: Readonly<Record<string, string>>): ReadEvent | undefined {
    const contentType = headers[HeaderNames.contentType];
    if (contentType !== undefined && mediaType(contentType) === CLOUD_EVENTS_JSON) return readStructured(body);
    const prefix = this.#prefix;
    if (prefix === undefined || headers[`${prefix}specversion`] === undefined) return undefined;
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(prefix)) fields[name.slice(prefix.length)] = value;
    }
    if (contentType !== undefined) fields['datacontenttype'] = contentType;
    return { attributes: validate(fields), data: body, contentType };
  }

  #attributes(
    id: string,
    timestamp: number,
    options: CloudEventSendOptions | undefined,
  ): Record<string, string | number | boolean> {
    const invalid = (field: string) => (reason: string) =>
      new ConfigError(`send option "cloudEvent.${field}" ${reason}.`, { field: `cloudEvent.${field}` });
    const source = options?.source ?? this.#source;
    const type = options?.type ?? this.#type;
    for (const [name, value] of [
      ['source', source],
      ['type', type],
    ] as const) {
      if (value === undefined) {
        throw new ConfigError(
          `CloudEvents attribute "${name}" is required. Fix: set cloudEvents.${name} on the queue, or cloudEvent.${name} on send.`,
          { field: `cloudEvent.${name}` },
        );
      }
      checkAttribute(name, value, invalid(name));
    }
    const time = options?.time ?? new Date(timestamp);
    const attributes: Record<string, string | number | boolean> = {
      specversion: '1.0',
      id,
      source: source as string,
      type: type as string,
      time: time instanceof Date ? toRfc3339(time, invalid('time')) : time,
    };
    if (options?.subject !== undefined) attributes['subject'] = options.subject;
    if (options?.dataschema !== undefined) attributes['dataschema'] = options.dataschema;
    for (const name of ['subject', 'time', 'dataschema'] as const) {
      if (attributes[name] !== undefined) checkAttribute(name, attributes[name], invalid(name));
    }
    for (const [name, value] of Object.entries(options?.extensions ?? {})) {
      checkExtension(name, value, invalid(`extensions.${name}`));
      attributes[name] = value;
    }
    return attributes;
  }
}

function jsonText(body: Uint8Array): string {
  try {
    return textDecoder.decode(body);
  } catch (cause) {
    throw new CodecError('ENCODE_FAILED', 'the codec says application/json, but its bytes are not UTF-8', cause);
  }
}

function readStructured(body: Uint8Array): ReadEvent {
  let event: unknown;
  try {
    event = JSON.parse(textDecoder.decode(body));
  } catch {
    throw new EnvelopeError(`content type is ${CLOUD_EVENTS_JSON}, but the body is not UTF-8 JSON`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new EnvelopeError('a structured CloudEvent must be a JSON object');
  }
  const fields = event as Record<string, unknown>;
  const attributes = validate(fields);
  const hasData = fields['data'] !== undefined && fields['data'] !== null;
  const base64 = fields['data_base64'];
  if (hasData && base64 !== undefined && base64 !== null) {
    throw new EnvelopeError('a CloudEvent has "data" or "data_base64", not both');
  }
  // Without datacontenttype, JSON data is application/json (the spec's JSON format says so).
  const contentType = attributes.datacontenttype;
  let data: Uint8Array;
  if (base64 !== undefined && base64 !== null) {
    if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      throw new EnvelopeError('CloudEvents attribute "data_base64" must be a base64 string');
    }
    data = Buffer.from(base64, 'base64');
  } else if (!hasData) {
    data = contentType === undefined || isJson(contentType) ? textEncoder.encode('null') : new Uint8Array(0);
  } else if (typeof fields['data'] === 'string' && contentType !== undefined && !isJson(contentType)) {
    data = textEncoder.encode(fields['data']);
  } else {
    data = textEncoder.encode(JSON.stringify(fields['data']));
  }
  return { attributes, data, contentType: contentType ?? 'application/json' };
}

/** Applies the spec's attribute rules to the fields of a received event. */
function validate(fields: Record<string, unknown>): CloudEventAttributes {
  const invalid = (name: string) => (reason: string) => new EnvelopeError(`CloudEvents attribute "${name}" ${reason}`);
  if (fields['specversion'] !== '1.0') {
    throw new EnvelopeError(
      `CloudEvents attribute "specversion" must be "1.0", not ${JSON.stringify(fields['specversion']) ?? 'missing'}`,
    );
  }
  const attributes: Record<string, unknown> = { specversion: '1.0' };
  for (const name of REQUIRED) {
    if (fields[name] === undefined || fields[name] === null)
      throw new EnvelopeError(`CloudEvents attribute "${name}" is required`);
    checkAttribute(name, fields[name], invalid(name));
    attributes[name] = fields[name];
  }
  for (const name of OPTIONAL) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    checkAttribute(name, value, invalid(name));
    attributes[name] = value;
  }
  const extensions: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (RESERVED.has(name) || value === null) continue;
    checkExtension(name, value, invalid(name));
    extensions[name] = value as string | number | boolean;
  }
  attributes['extensions'] = extensions;
  return attributes as unknown as CloudEventAttributes;
}

function checkAttribute(name: string, value: unknown, error: (reason: string) => Error): void {
  if (typeof value !== 'string' || value === '') throw error('must be a non-empty string');
  if (value.length > 4_096) throw error('is longer than 4,096 characters');
  if ((name === 'source' || name === 'dataschema') && !URI_REFERENCE.test(value))
    throw error('must be a URI reference (no spaces)');
  if (name === 'time' && !(RFC3339.test(value) && Number.isFinite(Date.parse(value))))
    throw error('must be an RFC 3339 timestamp');
  if (name === 'datacontenttype' && !/^[\w.+-]+\/[\w.+-]+/.test(value))
    throw error('must be a media type such as application/json');
}

function checkExtension(name: string, value: unknown, error: (reason: string) => Error): void {
  if (!EXTENSION_NAME.test(name))
    throw error('is not a valid extension name: lower-case letters and digits, at most 20');
  if (RESERVED.has(name)) throw error('is a reserved attribute name, not an extension');
  const ok =
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isSafeInteger(value));
  if (!ok) throw error('must be a string, a boolean or a whole number');
}

function toRfc3339(time: Date, error: (reason: string) => Error): string {
  if (Number.isNaN(time.getTime())) throw error('is an invalid Date');
  return time.toISOString();
}
