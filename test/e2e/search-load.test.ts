import pg from 'pg';
import { pgPool } from '../../dist/database/pg-pool.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { bulkMembers, insertOrg, insertWorkspace, setWorkspaceRole } from './access-fixtures.js';

const SEARCHES = 150;
const PER_USER = 2;

/** One user flooding the service with searches must not take it away from everyone else. */
describe('a flood of searches from one user', () => {
  let t: TestApp;
  let viewer: SeedUser;
  let other: SeedUser;
  let workspaceId: string;
  beforeAll(async () => {
    t = await createTestApp({ EXPENSIVE_READS_PER_USER: String(PER_USER) });
    workspaceId = await insertWorkspace(t.db, await insertOrg(t.db));
    viewer = await seedUser(t.db);
    other = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, viewer.user_id, 'viewer');
    await bulkMembers(t.db, workspaceId, 5000, 'member', 'searchable');
  });
  afterAll(() => t?.close());

  /** Until `stop` resolves: the most search statements the database was running at one time. */
  async function peakSearches(stop: Promise<unknown>): Promise<number> {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    let peak = 0;
    let done = false;
    void stop.finally(() => (done = true));
    try {
      while (!done) {
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%wm.workspace_id = $1%'`,
        );
        peak = Math.max(peak, rows[0].n);
      }
    } finally {
      await client.end();
    }
    return peak;
  }

  it(`${SEARCHES} concurrent searches: at most ${PER_USER} run at once, another user's users/me and readiness keep answering 200`, async () => {
    const search = () => t.http.get('/v1/users').query({ workspace_id: workspaceId, search: 'searchable', limit: 50 }).set(bearer(viewer.token));
    const bystander: { path: string; status: number; ms: number }[] = [];
    let flooding = true;
    const poll = (async () => {
      while (flooding) {
        const started = Date.now();
        const [me, ready] = await Promise.all([t.http.get('/v1/users/me').set(bearer(other.token)), t.http.get('/health/ready')]);
        bystander.push({ path: 'me', status: me.status, ms: Date.now() - started }, { path: 'ready', status: ready.status, ms: Date.now() - started });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const flood = Promise.all(Array.from({ length: SEARCHES }, search));
    const [searches, peak] = await Promise.all([flood, peakSearches(flood)]);
    flooding = false;
    await poll;

    const statuses: Record<number, number> = {};
    for (const res of searches) statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    expect(bystander.length).toBeGreaterThan(0);
    expect(bystander.filter((b) => b.status !== 200)).toEqual([]);
    expect(Object.keys(statuses).filter((s) => s !== '200' && s !== '429')).toEqual([]);
    expect(statuses[200]).toBeGreaterThanOrEqual(PER_USER);
    for (const res of searches.filter((r) => r.status === 429)) {
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.details).toEqual({ retry_after_seconds: 1 });
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(PER_USER);
  });

  it('readiness answers 200 while every pooled connection is taken', async () => {
    const pool = pgPool(t.db)!;
    const held = await Promise.all(Array.from({ length: t.config.dbPoolSize }, () => pool.connect()));
    try {
      const started = Date.now();
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      held.forEach((client) => client.release());
    }
  });
});
