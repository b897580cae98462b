import type { Delivery, SubscribeOptions, Subscription } from '@anymq/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AckBatcher } from './ack-batcher.js';
import { fromDelivery } from './amqp-message.js';
import type { Connection } from './connection.js';

/** What a delivery needs from the transport to retry or dead-letter a copy before acking. */
export interface Requeuer {
  retry(groupQueue: string, message: ConsumeMessage, attempt: number, delayMs: number): Promise<void>;
  deadLetter(deadLetterQueue: string, message: ConsumeMessage, headers: Record<string, string>): Promise<void>;
}

/**
 * One member of a group: a channel with `prefetch` = the consumer's concurrency, consuming the
 * group's queue with manual acks. After a reconnect it opens a new channel and consumes again;
 * messages unacked on the lost channel are redelivered by the broker.
 */
export class GroupConsumer implements Subscription {
  #channel: Channel | undefined;
  #acks: AckBatcher | undefined;
  #consumerTag: string | undefined;
  #unsettled = 0;
  #stopped = false;
  #closed: Promise<void> | undefined;
  /** Bumped on every reconnect, so that only the latest resume loop opens a channel. */
  #generation = 0;
  readonly #onReconnect = () => void this.#resume(++this.#generation);

  constructor(
    private readonly connection: Connection,
    private readonly exchange: string,
    private readonly groupQueue: string,
    private readonly options: SubscribeOptions,
    private readonly onDelivery: (delivery: Delivery) => void,
    private readonly requeuer: Requeuer,
    private readonly declareTopology: () => Promise<void>,
  ) {}

  async start(): Promise<void> {
    await this.#start();
    this.connection.on('reconnected', this.#onReconnect);
  }

  /** Stops intake. The channel stays open until every delivery it handed over is settled. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#stopped = true;
    this.connection.off('reconnected', this.#onReconnect);
    const channel = this.#channel;
    if (!channel) return;
    if (this.#consumerTag) await channel.cancel(this.#consumerTag).catch(() => undefined);
    if (this.#unsettled === 0) await this.#closeChannel(channel);
  }

  async #closeChannel(channel: Channel): Promise<void> {
    try {
      if (this.#channel === channel) this.#acks?.flush();
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** After a reconnect: consume again, retrying with backoff while the broker is still settling. */
  async #resume(generation: number): Promise<void> {
    for (let attempt = 1; !this.#stopped && generation === this.#generation; attempt++) {
      try {
        await this.#start();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  async #start(): Promise<void> {
    if (this.#stopped) return;
    await this.declareTopology();
    const channel = await this.connection.channel();
    channel.on('error', () => undefined); // a closed channel is replaced on reconnect
    const acks = new AckBatcher(channel);
    channel.on('close', () => {
      acks.discard();
      if (this.#channel !== channel) return;
      // Deliveries of a closed channel cannot be settled any more: the broker redelivers them.
      this.#unsettled = 0;
    });
    await channel.prefetch(this.options.prefetch);
    this.#channel = channel;
    this.#acks = acks;
    this.#unsettled = 0;
    const { consumerTag } = await channel.consume(this.groupQueue, (message) => {
      if (message) this.#deliver(channel, acks, message);
    });
    this.#consumerTag = consumerTag;
  }

  #deliver(channel: Channel, acks: AckBatcher, message: ConsumeMessage): void {
    this.#unsettled++;
    acks.delivered(message);
    const fields = fromDelivery(message, this.exchange);
    let settled = false;
    const settle = async (outcome: () => Promise<void> | void): Promise<void> => {
      if (settled) return;
      settled = true;
      try {
        await outcome();
      } finally {
        if (this.#channel === channel && --this.#unsettled === 0 && this.#stopped) {
          await this.#closeChannel(channel);
        }
      }
    };
    const delivery: Delivery = {
      ...fields,
      body: message.content,
      ack: () => settle(() => acks.ack(message)),
      retry: (delayMs) =>
        settle(async () => {
          await this.requeuer.retry(this.groupQueue, message, fields.attempt, delayMs);
          acks.ack(message);
        }),
      deadLetter: (queue, headers) =>
        settle(async () => {
          await this.requeuer.deadLetter(queue, message, headers);
          acks.ack(message);
        }),
      release: () =>
        settle(() => {
          acks.forget(message);
          channel.nack(message, false, true);
        }),
    };
    this.onDelivery(delivery);
  }
}
