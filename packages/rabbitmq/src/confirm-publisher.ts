import { ConnectionError, PublishError } from '@anymq/core/transport';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import type { Connection } from './connection.js';

interface Pending {
  readonly seq: number;
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
  readonly deadline: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Publishes over one confirm channel with up to `window` confirms in flight, never one at a time.
 * Messages go out strictly in the order `publish` was called (one pump hands them to amqplib);
 * `publish` resolves on the broker's ack and rejects on its nack or, for a mandatory publish, on a
 * return. When amqplib's `publish` answers false, the pump waits for `drain`. A message whose
 * channel closed before its confirm is sent again on the next channel (at-least-once) until its
 * `timeoutMs` has passed; then it fails with `ConnectionError`.
 */
export class ConfirmPublisher {
  readonly #connection: Connection;
  readonly #window: number;
  readonly #timeoutMs: number;
  readonly #waiting: Pending[] = [];
  #seq = 0;
  #inFlight = 0;
  #pumping = false;
  #room: (() => void) | undefined;
  #channel: Promise<ConfirmChannel> | undefined;
  /** Message ids returned as unroutable, awaiting their confirm. */
  readonly #returned = new Set<string>();
  /** Why the broker last closed the channel (404, 406, …), as opposed to a lost connection. */
  #channelError: Error | undefined;
  #closed = false;

  constructor(connection: Connection, options: { window: number; timeoutMs: number }) {
    this.#connection = connection;
    this.#window = options.window;
    this.#timeoutMs = options.timeoutMs;
  }

  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + this.#timeoutMs;
      this.#waiting.push({ seq: this.#seq++, exchange, routingKey, content, options, deadline, resolve, reject });
      void this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const channel = await this.#channel?.catch(() => undefined);
    await channel?.close().catch(() => undefined);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#waiting.length > 0) {
        if (this.#inFlight >= this.#window) {
          await new Promise<void>((resolve) => (this.#room = resolve));
          continue;
        }
        const head = this.#waiting[0] as Pending;
        let channel: ConfirmChannel;
        try {
          channel = await this.#confirmChannelBefore(head.deadline);
        } catch (error) {
          if (!this.#closed && Date.now() < head.deadline) {
            // The connection is going down or coming back: try again shortly, within the deadline.
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          this.#waiting.shift();
          head.reject(
            this.#closed ? new ConnectionError('the RabbitMQ transport is closed.') : this.#timedOut(head, error),
          );
          continue;
        }
        this.#waiting.shift();
        if (!this.#send(channel, head)) {
          // amqplib's buffer is full: hand it nothing more until it drains (or the channel closes).
          await new Promise<void>((resolve) => {
            const done = () => {
              channel.off('drain', done);
              channel.off('close', done);
              resolve();
            };
            channel.on('drain', done);
            channel.on('close', done);
          });
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Hands one message to amqplib; false when amqplib asks to wait for `drain`. */
  #send(channel: ConfirmChannel, pending: Pending): boolean {
    try {
      return this.#publishOn(channel, pending);
    } catch (error) {
      // amqplib throws at once on a channel it already knows is closed: use a new one.
      this.#inFlight--;
      if (this.#channel) this.#channel = undefined;
      if (isChannelLoss(error) && !this.#closed) this.#requeue(pending);
      else
        pending.reject(
          new PublishError(
            `amqplib could not publish to "${pending.exchange || pending.routingKey}": ${String(error)}`,
            error,
          ),
        );
      return true;
    }
  }

  #publishOn(channel: ConfirmChannel, pending: Pending): boolean {
    this.#inFlight++;
    const id = pending.options.messageId;
    return channel.publish(pending.exchange, pending.routingKey, pending.content, pending.options, (error: unknown) => {
      this.#inFlight--;
      const room = this.#room;
      this.#room = undefined;
      room?.();
      const returned = id !== undefined && this.#returned.delete(id);
      if (!error && returned) {
        pending.reject(
          new PublishError(
            `no queue is bound to exchange "${pending.exchange}": the message was returned unroutable (mandatory). Fix: start a consumer group first, or send without mandatory.`,
          ),
        );
      } else if (!error) {
        pending.resolve();
      } else if (this.#channelError) {
        const refusal = this.#channelError;
        pending.reject(
          new PublishError(
            `RabbitMQ closed the channel while publishing to "${pending.exchange || pending.routingKey}": ${refusal.message}`,
            refusal,
          ),
        );
      } else if (isChannelLoss(error) && !this.#closed && Date.now() < pending.deadline) {
        this.#requeue(pending); // sent again on the next channel: at-least-once, never silently lost
      } else if (isChannelLoss(error)) {
        pending.reject(this.#timedOut(pending, error));
      } else {
        pending.reject(
          new PublishError(
            `RabbitMQ refused the message for "${pending.exchange || pending.routingKey}" (nack).`,
            error,
          ),
        );
      }
    });
  }

  #requeue(pending: Pending): void {
    let index = this.#waiting.findIndex((other) => other.seq > pending.seq);
    if (index === -1) index = this.#waiting.length;
    this.#waiting.splice(index, 0, pending);
    void this.#pump();
  }

  async #confirmChannelBefore(deadline: number): Promise<ConfirmChannel> {
    if (this.#closed) throw new ConnectionError('the RabbitMQ transport is closed.');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no channel before the deadline')), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([this.#confirmChannel(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #confirmChannel(): Promise<ConfirmChannel> {
    this.#channel ??= this.#connection.confirmChannel().then((channel) => {
      this.#channelError = undefined;
      channel.on('return', (message: Message) => {
        if (message.properties.messageId) this.#returned.add(String(message.properties.messageId));
      });
      channel.on('error', (error: Error) => {
        // A channel-level refusal (e.g. 404 NOT_FOUND): reported to the publishes it fails.
        this.#channelError = error;
      });
      channel.on('close', () => {
        this.#channel = undefined;
      });
      return channel;
    });
    const channel = this.#channel;
    channel.catch(() => {
      if (this.#channel === channel) this.#channel = undefined;
    });
    return channel;
  }

  #timedOut(pending: Pending, cause: unknown): ConnectionError {
    return new ConnectionError(
      `RabbitMQ did not confirm a message for "${pending.exchange || pending.routingKey}" within ${this.#timeoutMs} ms (publishTimeoutMs): the connection was lost and did not come back in time. The message may or may not be stored.`,
      cause,
    );
  }
}

function isChannelLoss(error: unknown): boolean {
  return (
    (error as Error)?.name === 'IllegalOperationError' ||
    /closed|ended/i.test(String((error as Error)?.message ?? error))
  );
}
