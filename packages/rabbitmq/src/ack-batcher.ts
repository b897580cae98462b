import type { Channel, Message } from 'amqplib';

/**
 * Coalesces the acks of one channel. Acks made in one turn of the event loop go out together at
 * its end: the longest run of acked deliveries at the front of the channel's outstanding ones as
 * a single `multiple` ack (what a hand-written amqplib consumer does with `ack(message, true)`),
 * the rest one by one. A multiple ack never covers a delivery that is still being handled.
 */
export class AckBatcher {
  readonly #channel: Pick<Channel, 'ack'>;
  /** Deliveries not yet settled by us, in delivery-tag order. */
  readonly #outstanding: Message[] = [];
  readonly #acked = new Set<Message>();
  #scheduled = false;

  constructor(channel: Pick<Channel, 'ack'>) {
    this.#channel = channel;
  }

  delivered(message: Message): void {
    this.#outstanding.push(message);
  }

  ack(message: Message): void {
    this.#acked.add(message);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      try {
        this.flush();
      } catch {
        // The channel closed meanwhile: the broker redelivers what it did not get an ack for.
      }
    });
  }

  /** The message was settled otherwise (nack): it no longer blocks a multiple ack. */
  forget(message: Message): void {
    this.#remove(message);
  }

  /** The channel is gone: its deliveries are redelivered by the broker, so nothing is left to ack. */
  discard(): void {
    this.#outstanding.length = 0;
    this.#acked.clear();
  }

  /** Sends the pending acks now (also before the channel closes). */
  flush(): void {
    this.#scheduled = false;
    if (this.#acked.size === 0) return;
    let last: Message | undefined;
    while (this.#outstanding.length > 0 && this.#acked.has(this.#outstanding[0] as Message)) {
      last = this.#outstanding.shift() as Message;
      this.#acked.delete(last);
    }
    if (last) this.#channel.ack(last, true);
    for (const message of this.#acked) {
      this.#remove(message);
      this.#channel.ack(message);
    }
    this.#acked.clear();
  }

  #remove(message: Message): void {
    const index = this.#outstanding.indexOf(message);
    if (index >= 0) this.#outstanding.splice(index, 1);
  }
}
