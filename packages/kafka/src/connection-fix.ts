import { createRequire } from 'node:module';

interface KafkajsConnection {
  chunks: Buffer[];
  bytesBuffered: number;
  bytesNeeded: number;
  isConnected(): boolean;
  connect(): Promise<boolean>;
}

const installed = Symbol.for('anymq.kafkajs-connection-fix');

/**
 * Works around a kafkajs 2.2.4 bug (reported upstream as tulios/kafkajs#715, #1163, #1317; the
 * project is unmaintained): a Connection keeps the partly read bytes of a response across a
 * reconnect, so after a connection is reset in the middle of a response every later response is
 * misframed. The consumer then hangs ("Response without match") or the process dies with
 * ERR_BUFFER_OUT_OF_BOUNDS. Found by the connection-drop fault test. The fix clears the read
 * buffer whenever a connection opens a new socket. It patches kafkajs' Connection class once; a
 * kafkajs whose Connection does not look like 2.x is left alone.
 */
export function installConnectionFix(): void {
  let Connection: { prototype: KafkajsConnection & { [installed]?: true } } | undefined;
  try {
    Connection = createRequire(import.meta.url)('kafkajs/src/network/connection.js') as typeof Connection;
  } catch {
    return;
  }
  const prototype = Connection?.prototype;
  if (!prototype || prototype[installed] || typeof prototype.connect !== 'function') return;
  const connect = prototype.connect;
  prototype.connect = function connectWithEmptyBuffer(this: KafkajsConnection) {
    if (!this.isConnected() && Array.isArray(this.chunks)) {
      this.chunks = [];
      this.bytesBuffered = 0;
      this.bytesNeeded = 4; // the size prefix of the next response
    }
    return connect.call(this);
  };
  prototype[installed] = true;
}
