import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin } from '../support/global-setup.js';
import { createTestApp, createTestDatabase, dropTestDatabase, type TestApp } from '../support/app.js';
import { fuzz, type FuzzReport } from './fuzz/runner.js';

/**
 * Requests generated from `/openapi.json` (valid, boundary and hostile values) as a platform admin
 * and as a workspace viewer. `npm test` sends RUNS per caller with a fixed seed; `npm run fuzz`
 * sends 5,000 per caller with a new seed. The seed is printed; `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npm run fuzz` replays a run, and
 * `FUZZ_KEEP_GOING=1` lists every distinct problem instead of stopping at the first.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 750);
// `npm test` replays one fixed seed (a stable gate); `npm run fuzz` explores a new one each time.
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.FUZZ_RUNS ? Date.now() % 2 ** 31 : 20_231_111));
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === '1';
const TIMEOUT = 120_000 + RUNS * 100;

describe('fuzzing every operation of the OpenAPI document', () => {
  let t: TestApp;
  let databaseUrl: string;
  let baseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    // Durability is not what this test is about (the crash tests are); fast commits are.
    await admin(databaseUrl, `ALTER DATABASE ${new URL(databaseUrl).pathname.slice(1)} SET synchronous_commit TO off`);
    // Webhook endpoints may then be registered at 127.0.0.1 (this app itself): the fuzzed world has
    // some, and generated ones pass. The SSRF rules have their own tests (e2e/webhooks.test.ts).
    t = await createTestApp({ DATABASE_URL: databaseUrl, WEBHOOK_ALLOW_PRIVATE: 'true' });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    console.log(`fuzz seed ${SEED}, ${RUNS} requests per caller (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npm run fuzz)`);
  });
  afterAll(async () => {
    await t?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const summarize = (caller: string, report: FuzzReport) => {
    const ms = Object.entries(report.timing).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ');
    const lines = Object.entries(report.statuses).map(([op, counts]) => `  ${op}: ${JSON.stringify(counts)}`);
    console.log(`${caller}: ${report.requests} requests, world rebuilt ${report.rebuilds - 1} times (${ms})\n${lines.join('\n')}`);
    for (const [key, example] of report.problems) console.log(`PROBLEM ${key}\n${example}\n`);
    expect([...report.problems.keys()]).toEqual([]);
    expect(report.requests).toBe(RUNS);
  };

  it('API8 security misconfiguration: as a platform admin, no 5xx, every response as documented, invariants hold', async () => {
    const report = await fuzz({ baseUrl, db: t.db, caller: 'admin', runs: RUNS, seed: SEED, keepGoing: KEEP_GOING });
    summarize('admin', report);
    // The generator must reach the handlers: every operation succeeded at least once for the admin.
    const neverSucceeded = Object.entries(report.statuses).filter(([, counts]) => !Object.keys(counts).some((s) => s.startsWith('2')));
    expect(neverSucceeded.map(([op]) => op)).toEqual([]);
  }, TIMEOUT);

  it('API1/API3/API5 authorization: as a workspace viewer, nothing it may not change changes', async () => {
    const report = await fuzz({ baseUrl, db: t.db, caller: 'viewer', runs: RUNS, seed: SEED + 1, keepGoing: KEEP_GOING });
    summarize('viewer', report);
    // The viewer did get past authentication and was refused by permission, not only by validation.
    const refused = Object.values(report.statuses).reduce((n, counts) => n + (counts[403] ?? 0) + (counts[404] ?? 0), 0);
    expect(refused).toBeGreaterThan(RUNS / 20);
  }, TIMEOUT);
});
