import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsService, PermanentJobFailure } from '../../dist/jobs/jobs.service.js';
import { createTestApp, type TestApp } from '../support/app.js';

const until = async (check: () => Promise<boolean> | boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('background queue', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp({ JOBS_ENABLED: 'true',  JOBS_POLL_MS: '20' });
    b = await createTestApp({ JOBS_ENABLED: 'true',  JOBS_POLL_MS: '20', DATABASE_URL: a.databaseUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('runs each committed job once across two instances, and never a job whose transaction rolled back', async () => {
    const seen: string[] = [];
    for (const t of [a, b]) t.app.get(JobsService).register<{ n: number }>('count', async (job) => void seen.push(`${job.payload.n}`), { concurrency: 3 });
    const jobs = a.app.get(JobsService);
    await a.db.transaction(async (m) => {
      for (let n = 0; n < 40; n++) await jobs.enqueue(m, 'count', { n });
    });
    await a.db
      .transaction(async (m) => {
        await jobs.enqueue(m, 'count', { n: -1 });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await until(async () => (await a.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'count'`))[0].n === 0);
    expect(seen.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `${n}`).sort());
  });

  it('retries a failing job on its schedule, then keeps it as failed; a permanent failure is not retried', async () => {
    let attempts = 0;
    const jobs = a.app.get(JobsService);
    jobs.register('flaky', async () => {
      attempts++;
      throw new Error('receiver down');
    }, { retryDelaysMs: [10, 10] });
    jobs.register('hopeless', async () => {
      throw new PermanentJobFailure('gone');
    });
    await a.db.transaction(async (m) => {
      await jobs.enqueue(m, 'flaky', {});
      await jobs.enqueue(m, 'hopeless', {});
    });
    await until(async () => (await a.db.query(`SELECT count(*)::int AS n FROM jobs WHERE state = 'failed'`))[0].n === 2);
    expect(attempts).toBe(3);
    const rows = await a.db.query(`SELECT queue, attempts, last_error FROM jobs WHERE state = 'failed' ORDER BY queue`);
    expect(rows).toEqual([
      { queue: 'flaky', attempts: 3, last_error: 'receiver down' },
      { queue: 'hopeless', attempts: 1, last_error: 'gone' },
    ]);
  });

  it('a periodic task runs on one instance per interval', async () => {
    let runs = 0;
    for (const t of [a, b]) t.app.get(JobsService).every('tick', 300, async () => void runs++);
    await new Promise((r) => setTimeout(r, 1_400));
    // 300 ms checks over 1.4 s: at most one run per interval whichever instance takes it.
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(5);
  });
});
