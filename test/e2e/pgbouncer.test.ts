import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createTestApp, createTestDatabase, dropTestDatabase, expectErrorShape, seedUser, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';

/**
 * The service with DATABASE_URL on PgBouncer in transaction pooling mode, two server connections
 * for the whole pool: consecutive transactions of one client land on different server
 * connections, so anything that relied on session state (a startup option, a session SET, a
 * session advisory lock) would show. Migrations take the direct DATABASE_MIGRATION_URL.
 */
describe('behind PgBouncer in transaction pooling mode', () => {
  let bouncer: RunningPgBouncer;
  let direct: string;
  let t: TestApp;
  let owner: SeedUser;

  beforeAll(async () => {
    bouncer = await startPgBouncer(inject('serverUrl'), { serverConnections: 2 });
    direct = await createTestDatabase();
    t = await createTestApp({ DATABASE_URL: bouncer.pooled(direct), DATABASE_MIGRATION_URL: direct, DB_POOL_SIZE: '10' });
    owner = await seedUser(t.db);
  });
  afterAll(async () => {
    await t?.close();
    await bouncer?.stop();
    if (direct) await dropTestDatabase(direct);
  });

  it('serves logins, writes, lists and searches with many requests at once over two server connections', async () => {
    const login = await t.http.post('/v1/auth/login').send({ login: owner.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    const org = await t.http.post('/v1/orgs').set(bearer(token)).send({ name: 'Pooled' });
    expect(org.status).toBe(201);
    const ws = await t.http.post(`/v1/orgs/${org.body.org_id}/workspaces`).set(bearer(token)).send({ name: 'Pooled WS' });
    expect(ws.status).toBe(201);
    const members = await Promise.all(Array.from({ length: 12 }, (_, i) => seedUser(t.db, { full_name: `Pooled Person ${i}` })));
    const adds = await Promise.all(
      members.map((m) => t.http.post(`/v1/orgs/${org.body.org_id}/workspaces/${ws.body.workspace_id}/members`).set(bearer(token)).send({ user_id: m.user_id })),
    );
    expect(adds.map((r) => r.status)).toEqual(Array(12).fill(201));
    const [list, search] = await Promise.all([
      t.http.get('/v1/users').query({ workspace_id: ws.body.workspace_id, limit: 5 }).set(bearer(token)),
      t.http.get('/v1/users').query({ workspace_id: ws.body.workspace_id, search: 'pooled person 1', limit: 2 }).set(bearer(token)),
    ]);
    expect(list.status).toBe(200);
    expect({ total: list.body.total, n: list.body.users.length, more: list.body.has_more }).toEqual({ total: 13, n: 5, more: true });
    // "Pooled Person 1", "… 10" and "… 11": the count runs in a transaction with its settings local to it.
    expect(search.status).toBe(200);
    expect({ total: search.body.total, n: search.body.users.length }).toEqual({ total: 3, n: 2 });
    const refreshed = await t.http.post('/v1/auth/refresh').send({ refresh_token: login.body.refresh_token });
    expect(refreshed.status).toBe(200);
  });

  it('keeps the last-owner rule when two demotions race through the pooler', async () => {
    const [a, b] = [await seedUser(t.db), await seedUser(t.db)];
    const org = (await t.http.post('/v1/orgs').set(bearer(a.token)).send({ name: 'Race' })).body.org_id;
    await t.db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [org, b.user_id]);
    const [ra, rb] = await Promise.all([
      t.http.delete(`/v1/orgs/${org}/members/${a.user_id}`).set(bearer(a.token)),
      t.http.delete(`/v1/orgs/${org}/members/${b.user_id}`).set(bearer(b.token)),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([204, 409]);
    expectErrorShape((ra.status === 409 ? ra : rb).body, 409, 'RESOURCE_CONFLICT');
    const [{ owners }] = await t.db.query(`SELECT count(*)::int AS owners FROM org_members WHERE org_id = $1 AND role = 'owner'`, [org]);
    expect(owners).toBe(1);
  });

  it('went through PgBouncer: its statistics count the transactions of this database', async () => {
    const admin = new pg.Client({ connectionString: bouncer.pooled(direct).replace(/\/[^/?]+(\?|$)/, '/pgbouncer$1') });
    await admin.connect();
    try {
      const name = new URL(direct).pathname.slice(1);
      const pools = (await admin.query('SHOW POOLS')).rows.filter((r: { database: string }) => r.database === name);
      expect(pools.map((p: { pool_mode: string }) => p.pool_mode)).toEqual(['transaction']);
      const stats = (await admin.query('SHOW STATS')).rows.find((r: { database: string }) => r.database === name);
      expect(Number(stats.total_xact_count)).toBeGreaterThan(50);
    } finally {
      await admin.end();
    }
  });
});
