import { readFileSync } from 'node:fs';
import { ConfigError } from '@anymq/core';

/** The message body: the argument, else `--file`, else standard input. JSON text becomes its value. */
export async function readBody(
  argument: string | undefined,
  file: string | undefined,
  stdin: NodeJS.ReadStream,
): Promise<unknown> {
  let text: string;
  if (argument !== undefined) text = argument;
  else if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read ${file}: ${(error as Error).message}. Fix: pass an existing file to --file.`, {
        field: 'file',
        cause: error,
      });
    }
  } else if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
  } else {
    throw new ConfigError('no message body. Fix: pass it as an argument, with --file, or on standard input.', {
      field: 'body',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: send it as a string
  }
}

/** `--header k=v` values as a record. */
export function parseHeaders(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new ConfigError(
        `--header ${JSON.stringify(pair)} is not name=value. Fix: write it as --header trace-id=abc.`,
        { field: 'header' },
      );
    headers[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return headers;
}
