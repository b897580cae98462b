/**
 * A URL, or a text with URLs in it (an error message), with passwords (and any `password=`-like
 * query value) replaced by `***`.
 */
export function redactUrl(url: string): string {
  return (
    url
      // Up to the last `@` of the authority: a password may hold an unencoded `@` (`user:S3cr@t@host`).
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:)[^\s/?#]*@/gi, '$1***@')
      .replace(/([?&](?:password|pass|secret|token)=)[^&\s]*/gi, '$1***')
  );
}

const secretKeys = /pass|secret|token|key|cert|credential/i;

/** A config object safe to print: secrets masked, URLs redacted. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key && secretKeys.test(key)) return '***';
    return value.includes('://') ? redactUrl(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => redactConfig(item));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}
