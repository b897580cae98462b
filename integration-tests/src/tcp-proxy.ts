import { type Server, type Socket, connect, createServer } from 'node:net';

/** A TCP proxy in front of a broker, so that a test can drop every connection under the client. */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every open connection, both sides, at once. New connections are accepted again. */
  dropConnections(): number;
  /**
   * While silent, new connections are accepted and then neither forwarded nor answered, as by a
   * broker whose port is open before it serves (a container starting). They stay so until dropped.
   */
  setSilent(silent: boolean): void;
  /** Connections accepted while silent, so far. */
  readonly silenced: number;
  close(): Promise<void>;
}

/** `target` is read at each new connection, so it may be set after the proxy started. */
export function startTcpProxy(target: { host: string; port: number }, listenPort = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let silent = false;
  let silenced = 0;
  const server: Server = createServer((client) => {
    if (silent) {
      silenced++;
      track(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : listenPort;
      resolve({
        port,
        setSilent(value) {
          silent = value;
        },
        get silenced() {
          return silenced;
        },
        dropConnections() {
          const count = sockets.size;
          for (const socket of sockets) socket.resetAndDestroy();
          return count;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
