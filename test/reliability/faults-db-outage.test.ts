import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../dist/database/embedded-postgres.js';
import { startServer, type RunningServer } from '../../dist/server.js';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { TEST_JWT_SECRET } from '../support/app.js';
import { brokenInvariants } from './invariants.js';
import { call, json, startLoad, type Outcome } from './load.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

/**
 * The database stopped under load on ordinary endpoints, twice, and started again on the same
 * address: every answer meanwhile is a 503 in the standard error shape with `Retry-After` (never a 500 or a
 * dropped connection), and the service serves again by itself, without a restart.
 */
describe('faults: the database stopped under load', () => {
  let dataDir: string;
  let pg: EmbeddedPostgres;
  let server: RunningServer;
  let w: World;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-fault-db-'));
    await fs.chmod(dataDir, 0o755);
    pg = new EmbeddedPostgres({ dataDir });
    const databaseUrl = await pg.start();
    server = await startServer({ NODE_ENV: 'test', LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'silent', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, DB_POOL_SIZE: '8' });
    w = await buildWorld(server.app.get(DataSource));
  }, 120_000);
  afterAll(async () => {
    await server?.close().catch(() => undefined);
    await pg?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After during each outage, never a 500, and recovers without a restart', async () => {
    const token = w.users.platform.token;
    const base = server.url;
    const ops = [
      () => call('GET org', `${base}/v1/orgs/${w.orgId}`, json(token, undefined, 'GET')),
      () => call('GET members', `${base}/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members?limit=10`, json(token, undefined, 'GET')),
      () => call('GET me', `${base}/v1/users/me`, json(token, undefined, 'GET')),
      () => call('PATCH org', `${base}/v1/orgs/${w.orgId}`, json(token, { name: `Renamed ${Date.now()}` }, 'PATCH')),
      () => call('POST org', `${base}/v1/orgs`, json(token, { name: `Outage ${Math.random().toString(36).slice(2)}` })),
    ];
    const load = startLoad(12, (worker, i) => ops[(worker + i) % ops.length]());
    const outages: { from: number; to: number }[] = [];
    let recovered = 0;
    for (let cycle = 0; cycle < 2; cycle++) {
      await sleep(1_000);
      const from = Date.now();
      await pg.stop();
      await sleep(2_500);
      await pg.start(); // same data directory, same port
      outages.push({ from, to: Date.now() });
      // Recovered once every kind of request has succeeded again after the restart.
      const deadline = Date.now() + 30_000;
      const kinds = new Set(load.outcomes.map((o) => o.op));
      while (Date.now() < deadline) {
        const ok = new Set(load.outcomes.filter((o) => o.started > outages[cycle].to && o.status! < 300).map((o) => o.op));
        if ([...kinds].every((k) => ok.has(k))) break;
        await sleep(100);
      }
      recovered = Date.now();
      console.log(`outage ${cycle + 1}: served again ${recovered - outages[cycle].to} ms after the database came back`);
    }
    await sleep(1_500);
    const outcomes = await load.stop();

    const wrong = outcomes.filter((o) => o.error || (o.status !== 200 && o.status !== 201 && o.status !== 503));
    expect(wrong.map(summary)).toEqual([]);
    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const o of unavailable) {
      expect(o.body).toEqual({ error: 'SERVICE_UNAVAILABLE', message: expect.any(String), details: {}, timestamp: expect.stringMatching(TIMESTAMP), status_code: 503 });
      expect(Number(o.headers!.get('retry-after'))).toBeGreaterThan(0);
    }
    // 503s only around the outages, and every operation succeeds again after each of them.
    const after = outcomes.filter((o) => o.started > recovered + 200);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((o) => o.status !== 200 && o.status !== 201).map(summary)).toEqual([]);
    for (const op of new Set(outcomes.map((o) => o.op))) expect(after.some((o) => o.op === op), op).toBe(true);

    // What was acknowledged is there, and nothing was left half-done.
    const db = server.app.get(DataSource);
    const created = outcomes.filter((o) => o.op === 'POST org' && o.status === 201).map((o) => o.body.org_id);
    const found = await db.query(`SELECT org_id FROM organizations WHERE org_id = ANY($1::uuid[])`, [created]);
    expect(found.length).toBe(created.length);
    expect(await brokenInvariants(db)).toEqual({});
    console.log(`db outage: ${outcomes.length} requests, ${unavailable.length} answered 503 over ${outages.length} outages`);
  }, 180_000);
});

function summary(o: Outcome): string {
  return `${o.op}: ${o.status ?? o.error} ${JSON.stringify(o.body ?? '').slice(0, 200)}`;
}
