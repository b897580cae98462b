import { patchKafkajs } from './kafkajs-patch.js';

interface KafkajsConnection {
  chunks: Buffer[];
  bytesBuffered: number;
  bytesNeeded: number;
  isConnected(): boolean;
}

/**
 * Works around a kafkajs 2.2.4 bug (reported upstream as tulios/kafkajs#715, #1163, #1317): a
 * Connection keeps the partly read bytes of a response across a reconnect, so after a connection is
 * reset in the middle of a response every later response is misframed. The consumer then hangs
 * ("Response without match") or the process dies with ERR_BUFFER_OUT_OF_BOUNDS. Found by the
 * connection-drop fault test. The fix clears the read buffer whenever a connection opens a new socket.
 */
export function installConnectionFix(): void {
  patchKafkajs<KafkajsConnection>(
    'src/network/connection.js',
    'connect',
    (connect) =>
      function connectWithEmptyBuffer(this: KafkajsConnection) {
        if (!this.isConnected() && Array.isArray(this.chunks)) {
          this.chunks = [];
          this.bytesBuffered = 0;
          this.bytesNeeded = 4; // the size prefix of the next response
        }
        return connect.call(this);
      },
  );
}
