/**
 * The keys anymq makes for a queue. Every key of one queue shares the hash tag `{queue}`, so that
 * they sit in one Redis Cluster slot and one script or transaction can touch them together.
 * Queue and group names are letters, digits, `.`, `-` and `_` (core checks), so they cannot break
 * out of the tag or the `:` separators.
 */
export class QueueKeys {
  /** The queue's stream: every group reads it. */
  readonly stream: string;
  /** Sends with `delayMs`, by due time, until they move to the stream. */
  readonly delayed: string;
  readonly #base: string;

  constructor(prefix: string, queue: string) {
    this.#base = `${prefix}:{${queue}}`;
    this.stream = this.#base;
    this.delayed = `${this.#base}:delayed`;
  }

  /** A group's own stream of retried and handed-back copies, which only that group reads. */
  retries(group: string): string {
    return `${this.#base}:retries:${group}`;
  }

  /** A group's retries by due time, until they move to its retries stream. */
  retriesDue(group: string): string {
    return `${this.#base}:retries-due:${group}`;
  }
}
