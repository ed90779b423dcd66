import pg from 'pg';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

/**
 * Membership changes re-read the caller's standing under the org or workspace row lock, because the
 * guard's read may be stale by then. Each case demotes the caller inside a transaction that holds
 * that lock, sends the request while it is held, waits until the request is blocked on the lock
 * (past the guard), and only then commits the demotion.
 */
describe('a caller demoted while their membership change waits for the lock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** Runs `send` while `hold` (row lock, then demotion) is uncommitted; commits once `send` waits on a lock. */
  async function whileDemoting(hold: string[], send: () => PromiseLike<Response>): Promise<Response> {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      for (const sql of hold) await client.query(sql);
      const response = Promise.resolve(send());
      await waitUntilBlockedBy(client);
      await client.query('COMMIT');
      return await response;
    } finally {
      await client.end();
    }
  }

  async function waitUntilBlockedBy(client: pg.Client): Promise<void> {
    const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
    for (let i = 0; i < 500; i++) {
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]);
      if (n > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the request never waited for the held lock');
  }

  let orgId: string;
  let workspaceId: string;
  let target: SeedUser;
  beforeAll(async () => {
    orgId = await insertOrg(t.db);
    workspaceId = await insertWorkspace(t.db, orgId);
    target = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, target.user_id, 'member');
  });

  const members = () => `/v1/orgs/${orgId}/workspaces/${workspaceId}/members`;
  const lockWorkspace = () => `SELECT 1 FROM workspaces WHERE workspace_id = '${workspaceId}' FOR NO KEY UPDATE`;
  const lockOrg = () => `SELECT 1 FROM organizations WHERE org_id = '${orgId}' FOR NO KEY UPDATE`;
  const demoteInWorkspace = (user: SeedUser) => `UPDATE workspace_members SET role = 'viewer' WHERE workspace_id = '${workspaceId}' AND user_id = '${user.user_id}'`;
  const demoteInOrg = (user: SeedUser) => `UPDATE org_members SET role = 'member' WHERE org_id = '${orgId}' AND user_id = '${user.user_id}'`;

  it('is refused the workspace permission the route declares when adding a member (403 members:add)', async () => {
    const admin = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, admin.user_id, 'admin');
    const newcomer = await seedUser(t.db);
    const res = await whileDemoting([lockWorkspace(), demoteInWorkspace(admin)], () =>
      t.http.post(members()).set(bearer(admin.token)).send({ user_id: newcomer.user_id }),
    );
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual({ required_permission: 'members:add' });
    expect(await t.db.query(`SELECT 1 FROM workspace_members WHERE user_id = $1`, [newcomer.user_id])).toEqual([]);
  });

  it('is refused removing someone else (403 members:remove)', async () => {
    const admin = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, admin.user_id, 'admin');
    const res = await whileDemoting([lockWorkspace(), demoteInWorkspace(admin)], () =>
      t.http.delete(`${members()}/${target.user_id}`).set(bearer(admin.token)),
    );
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual({ required_permission: 'members:remove' });
  });

  it('may still leave: removing oneself never needed the permission', async () => {
    const admin = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, admin.user_id, 'admin');
    const res = await whileDemoting([lockWorkspace(), demoteInWorkspace(admin)], () =>
      t.http.delete(`${members()}/${admin.user_id.toUpperCase()}`).set(bearer(admin.token)),
    );
    expect(res.status).toBe(204);
  });

  it('is refused the org permission the route declares when changing a role (403 org_members:update)', async () => {
    const orgAdmin = await seedUser(t.db);
    await setOrgRole(t.db, orgId, orgAdmin.user_id, 'admin');
    const res = await whileDemoting([lockOrg(), demoteInOrg(orgAdmin)], () =>
      t.http.patch(`/v1/orgs/${orgId}/members/${target.user_id}`).set(bearer(orgAdmin.token)).send({ role: 'admin' }),
    );
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual({ required_permission: 'org_members:update' });
    const [{ role }] = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [orgId, target.user_id]);
    expect(role).toBe('member');
  });
});
