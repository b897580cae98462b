import type { Socket } from 'zeromq';

type Frames = (Buffer | string)[];

/**
 * zeromq v6 allows one send in flight per socket. This queue hands frames to the socket one
 * message at a time, in order; each `send` resolves once the socket took it, so a full high-water
 * mark holds the caller (backpressure) instead of dropping the message.
 */
export class SendQueue {
  readonly #socket: Socket & { send(frames: Frames): Promise<void> };
  readonly #pending: { frames: Frames; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #sending = false;

  constructor(socket: Socket & { send(frames: Frames): Promise<void> }) {
    this.#socket = socket;
  }

  send(frames: Frames): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ frames, resolve, reject });
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        try {
          await this.#socket.send(next.frames);
          next.resolve();
        } catch (error) {
          next.reject(error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
