import type { Response } from 'supertest';
import { expect } from 'vitest';

export interface Contender {
  name: string;
  send: () => PromiseLike<Response>;
  allowed: number[];
}

export interface RoundResult {
  [name: string]: Response;
}

/**
 * Runs `rounds` rounds of two or more requests sent at the same time (each after a random delay of
 * up to `jitterMs`), then `check` on the rows; every status must be one its request may answer.
 * Returns how often each status came back, per request, so a test can see both orders happened.
 */
export async function race(
  rounds: number,
  round: (i: number) => Promise<{ contenders: Contender[]; check: (results: RoundResult) => Promise<void> }>,
  jitterMs = 6,
): Promise<Record<string, Record<number, number>>> {
  const seen: Record<string, Record<number, number>> = {};
  const unexpected: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const { contenders, check } = await round(i);
    const responses = await Promise.all(
      contenders.map(async (c) => {
        await new Promise((r) => setTimeout(r, Math.random() * jitterMs));
        return c.send();
      }),
    );
    const results: RoundResult = {};
    contenders.forEach((c, k) => {
      const res = responses[k];
      results[c.name] = res;
      seen[c.name] ??= {};
      seen[c.name][res.status] = (seen[c.name][res.status] ?? 0) + 1;
      if (!c.allowed.includes(res.status)) unexpected.push(`${c.name} ${res.status} ${JSON.stringify(res.body)}`);
    });
    await check(results);
  }
  // Every round runs before judging, so a failure shows how often it happened, not just once.
  expect(unexpected, JSON.stringify(seen)).toEqual([]);
  return seen;
}
