import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('hands out at most its permits and wakes waiters in order', async () => {
    const semaphore = new Semaphore(2);
    expect(semaphore.tryAcquire()).toBe(true);
    await semaphore.acquire();
    expect(semaphore.tryAcquire()).toBe(false);
    const order: number[] = [];
    const first = semaphore.acquire().then(() => order.push(1));
    const second = semaphore.acquire().then(() => order.push(2));
    semaphore.release();
    await first;
    expect(order).toEqual([1]);
    semaphore.release();
    await second;
    expect(order).toEqual([1, 2]);
  });
});
