import { describe, expect, it } from 'vitest';
import { Inbox, gate, within } from './inbox.js';

describe('Inbox', () => {
  it('resolves a wait once enough items arrived', async () => {
    const inbox = new Inbox<number>();
    const waiting = inbox.waitFor(2, 'two numbers', 1000);
    inbox.push(1);
    inbox.push(2);
    await expect(waiting).resolves.toEqual([1, 2]);
    await expect(inbox.waitFor(1, 'already there', 1000)).resolves.toHaveLength(2);
  });

  it('fails a bounded wait with what it waited for and what it got', async () => {
    const inbox = new Inbox<number>();
    inbox.push(1);
    await expect(inbox.waitFor(3, 'three numbers', 20)).rejects.toThrow(
      'timed out after 20 ms waiting for three numbers: got 1 of 3',
    );
  });
});

describe('gate and within', () => {
  it('a gate holds until opened; within() bounds a wait', async () => {
    const g = gate();
    await expect(within(g.promise, 'the gate', 20)).rejects.toThrow('waiting for the gate');
    g.open();
    await expect(within(g.promise, 'the gate', 1000)).resolves.toBeUndefined();
  });
});
