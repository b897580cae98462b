import { spawnSync } from 'node:child_process';

/** Debian's Python, where python3-pika is installed (images/install-interop-clients.sh). */
export const python = '/usr/bin/python3';

/** Runs another program's client to its end (pika, kcat, …); fails with its output if it fails. */
export function runClient(command: string, args: string[], env: Record<string, string>): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  if (result.status !== 0)
    throw new Error(`${command} ${args[0]} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}
