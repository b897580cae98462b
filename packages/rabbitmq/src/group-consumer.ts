import { HeaderNames, type Delivery, type SubscribeOptions, type Subscription } from '@anymq/core/transport';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AckBatcher } from './ack-batcher.js';
import { fromDelivery, type IncomingFields } from './amqp-message.js';
import type { Connection } from './connection.js';

/** What a delivery needs from the transport to put a copy elsewhere before acking the original. */
export interface Requeuer {
  /** A copy on `groupQueue` after `delayMs`, keeping the id, key and timestamp in `fields`, with these bookkeeping headers. */
  requeue(
    groupQueue: string,
    message: ConsumeMessage,
    fields: IncomingFields,
    headers: Record<string, string>,
    delayMs: number,
  ): Promise<void>;
  deadLetter(
    deadLetterQueue: string,
    message: ConsumeMessage,
    fields: IncomingFields,
    headers: Record<string, string>,
  ): Promise<void>;
}

/** A suspect: a message abandoned before, which runs alone in this member. */
interface Alone {
  readonly message: ConsumeMessage;
  readonly delivery: Delivery;
  started: boolean;
}

/** The headers that make a copy arrive as delivery `attempt` with `abandoned` abandoned ones before it. */
function bookkeeping(attempt: number, abandoned: number): Record<string, string> {
  const headers: Record<string, string> = { [HeaderNames.attempt]: String(attempt) };
  if (abandoned > 0) headers[HeaderNames.abandoned] = String(abandoned);
  return headers;
}

/**
 * One member of a group: a channel with `prefetch` = the consumer's concurrency, consuming the
 * group's queue with manual acks. After a reconnect it opens a new channel and consumes again;
 * messages unacked on the lost channel are redelivered by the broker.
 *
 * Attempts survive crashes. A message is never handed back with a nack: `release` puts a copy
 * with the same attempt on the group's queue and acks the original. So a delivery that comes back
 * from the broker (`redelivered`) was held by a consumer that went away without settling it: an
 * abandoned attempt. The flag cannot count, so such a delivery is first copied to the back of the
 * group's queue with its attempt raised (and the original acked), and handled when the copy comes.
 * Quorum queues too: their own `x-delivery-count` would count as well, but they return a message
 * to the front, so the messages that died beside a poison would die beside it every time.
 *
 * A message abandoned before (a suspect) runs alone in this member: intake stops (basic.cancel),
 * the messages already running finish, those still arriving are handed back, and only then does
 * it run; intake resumes when it is settled. If it kills this process too, only it is counted.
 */
export class GroupConsumer implements Subscription {
  #channel: Channel | undefined;
  #acks: AckBatcher | undefined;
  #consumerTag: string | undefined;
  #unsettled = 0;
  #stopped = false;
  #closed: Promise<void> | undefined;
  /** The suspect waiting to run, or running, alone (see above). */
  #alone: Alone | undefined;
  /** Wakes the suspect's wait once it is the only message held. */
  #onlyAloneLeft: (() => void) | undefined;
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
    await this.#stopIntake(channel);
    // A suspect that never reached the handler goes back, uncounted.
    if (this.#alone && !this.#alone.started) await this.#alone.delivery.release().catch(() => undefined);
    if (this.#unsettled === 0) await this.#closeChannel(channel);
  }

  async #stopIntake(channel: Channel): Promise<void> {
    const tag = this.#consumerTag;
    this.#consumerTag = undefined;
    if (tag) await channel.cancel(tag).catch(() => undefined);
  }

  async #startIntake(channel: Channel, acks: AckBatcher): Promise<void> {
    const { consumerTag } = await channel.consume(this.groupQueue, (message) => {
      if (message) this.#deliver(channel, acks, message);
    });
    // Stopped, or a suspect came to run alone, while the broker answered: stop this one again.
    if (this.#stopped || this.#alone) await channel.cancel(consumerTag).catch(() => undefined);
    else this.#consumerTag = consumerTag;
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
      this.#alone = undefined;
    });
    await channel.prefetch(this.options.prefetch);
    this.#channel = channel;
    this.#acks = acks;
    this.#unsettled = 0;
    this.#alone = undefined;
    await this.#startIntake(channel, acks);
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
        if (this.#channel === channel) {
          this.#unsettled--;
          if (this.#alone?.message === message) this.#endAlone(channel, acks);
          else if (this.#unsettled === 1) this.#onlyAloneLeft?.();
          if (this.#unsettled === 0 && this.#stopped) await this.#closeChannel(channel);
        }
      }
    };
    const copyThenAck = (attempt: number, abandoned: number, delayMs: number) =>
      settle(async () => {
        await this.requeuer.requeue(this.groupQueue, message, fields, bookkeeping(attempt, abandoned), delayMs);
        acks.ack(message);
      });
    if (message.fields.redelivered) {
      const counted = { ...fields, attempt: fields.attempt + 1, abandoned: fields.abandoned + 1 };
      // Copied with the count raised before anything runs, so that a crash while handling counts.
      // If the copy cannot be made, the count still holds for this delivery, which goes on.
      this.requeuer.requeue(this.groupQueue, message, fields, bookkeeping(counted.attempt, counted.abandoned), 0).then(
        () => settle(() => acks.ack(message)),
        () => this.onDelivery(this.#delivery(message, counted, settle, copyThenAck, acks)),
      );
      return;
    }
    const delivery = this.#delivery(message, fields, settle, copyThenAck, acks);
    if (this.#alone) {
      // Arrived while a suspect waits or runs alone (sent before intake stopped): hand it back.
      void delivery.release().catch(() => undefined);
    } else if (fields.abandoned > 0) {
      const alone = { message, delivery, started: false };
      this.#alone = alone;
      void this.#runAlone(channel, acks, alone).catch(() => undefined); // a closed channel redelivers it
    } else {
      this.onDelivery(delivery);
    }
  }

  /**
   * Hands a suspect over once it is the only message this member holds and the broker has every
   * ack sent before: amqplib writes acks through an asynchronous mux, and a suspect that kills the
   * process at once would otherwise take them along, and its neighbours would count a crash.
   */
  async #runAlone(channel: Channel, acks: AckBatcher, alone: Alone): Promise<void> {
    await this.#stopIntake(channel); // after cancel-ok, nothing more arrives on this consumer
    if (this.#unsettled > 1) await new Promise<void>((resolve) => (this.#onlyAloneLeft = resolve));
    this.#onlyAloneLeft = undefined;
    acks.flush();
    await channel.checkQueue(this.groupQueue); // answered after the broker took every earlier ack
    if (this.#alone !== alone || this.#stopped || this.#channel !== channel) return;
    alone.started = true;
    this.onDelivery(alone.delivery);
  }

  #endAlone(channel: Channel, acks: AckBatcher): void {
    this.#alone = undefined;
    if (!this.#stopped && !this.#consumerTag) void this.#startIntake(channel, acks).catch(() => undefined);
  }

  #delivery(
    message: ConsumeMessage,
    fields: IncomingFields,
    settle: (outcome: () => Promise<void> | void) => Promise<void>,
    copyThenAck: (attempt: number, abandoned: number, delayMs: number) => Promise<void>,
    acks: AckBatcher,
  ): Delivery {
    return {
      ...fields,
      body: message.content,
      ack: () => settle(() => acks.ack(message)),
      retry: (delayMs) => copyThenAck(fields.attempt + 1, fields.abandoned, delayMs),
      deadLetter: (queue, headers) =>
        settle(async () => {
          await this.requeuer.deadLetter(queue, message, fields, headers);
          acks.ack(message);
        }),
      // A copy, not a nack: a nack would come back looking like an abandoned delivery.
      release: () => copyThenAck(fields.attempt, fields.abandoned, 0),
    };
  }
}
