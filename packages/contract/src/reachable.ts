import { connect } from 'node:net';

/**
 * Whether a TCP server answers at `url`'s host and port within `timeoutMs`. For test suites that
 * use a server already running (Redis, PostgreSQL): on a machine without one they skip by name,
 * and under CI (`CI` set) its absence is an error, since CI must prove them.
 */
export async function serverReachable(url: string, defaultPort: number, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || defaultPort), timeout: timeoutMs });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
  if (!reachable && process.env.CI)
    throw new Error(`no server answers at ${hostname}:${port || defaultPort}, and CI must test against it`);
  return reachable;
}
