import { describe, expect, it } from 'vitest';
import { redactConfig, redactUrl } from './redact.js';

describe('redaction', () => {
  it('masks the password of a URL and secret query values', () => {
    expect(redactUrl('amqp://admin:s3cret@rabbit:5672/vhost')).toBe('amqp://admin:***@rabbit:5672/vhost');
    expect(redactUrl('kafka://k:9092?password=s3cret&x=1')).toBe('kafka://k:9092?password=***&x=1');
    expect(redactUrl('amqp://rabbit:5672')).toBe('amqp://rabbit:5672');
    expect(redactUrl('amqp://user:S3cr@tPass@host:5672/v')).toBe('amqp://user:***@host:5672/v');
    expect(redactUrl('see amqp://user:a@b@c@host/v and amqp://u:p@h')).toBe(
      'see amqp://user:***@host/v and amqp://u:***@h',
    );
  });

  it('masks passwords of URLs anywhere in a text, such as an error message', () => {
    expect(
      redactUrl(
        'could not connect to amqps://app:pa:ss@rabbit:5671/prod (ECONNREFUSED); also kafka://k:9092?token=abc now',
      ),
    ).toBe('could not connect to amqps://app:***@rabbit:5671/prod (ECONNREFUSED); also kafka://k:9092?token=*** now');
  });

  it('masks secrets anywhere in a config', () => {
    const printed = JSON.stringify(
      redactConfig({
        backend: 'kafka',
        brokers: ['k:9092'],
        sasl: { mechanism: 'plain', username: 'u', password: 's3cret' },
        url: 'amqp://u:s3cret@h',
      }),
    );
    expect(printed).not.toContain('s3cret');
    expect(printed).toContain('"username":"u"');
  });
});
