import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../dist/common/errors/app-error.js';
import { KeyedSlots } from '../../dist/common/concurrency/slots.js';

describe('KeyedSlots', () => {
  it('runs inFlight per key, queues the next ones in order, refuses the rest at once', async () => {
    const slots = new KeyedSlots({ inFlight: 1, queued: 1, queueMs: 1000 });
    const first = await slots.acquire('a');
    const order: string[] = [];
    const second = slots.acquire('a').then((release) => (order.push('second'), release));
    await expect(slots.acquire('a')).rejects.toBeInstanceOf(RateLimitedError);
    // Another key is not affected.
    const other = await slots.acquire('b');
    order.push('released first');
    first();
    const releaseSecond = await second;
    expect(order).toEqual(['released first', 'second']);
    releaseSecond();
    releaseSecond(); // a second call frees nothing more
    other();
    expect(slots.size).toBe(0);
  });

  it('refuses a request that waited longer than queueMs, with Retry-After', async () => {
    const slots = new KeyedSlots({ inFlight: 1, queued: 5, queueMs: 20 });
    const release = await slots.acquire('a');
    const error = await slots.acquire('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).headers).toEqual({ 'Retry-After': '1' });
    release();
    expect(slots.size).toBe(0);
  });
});
