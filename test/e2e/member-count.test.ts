import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type TestApp } from '../support/app.js';
import { bulkMembers, insertOrg, insertWorkspace, setWorkspaceRole } from './access-fixtures.js';

/** `workspaces.member_count`, kept by triggers on `workspace_members`, against the rows themselves. */
describe('the maintained member count', () => {
  let t: TestApp;
  let orgId: string;
  beforeAll(async () => {
    t = await createTestApp();
    orgId = await insertOrg(t.db);
  });
  afterAll(() => t?.close());

  const drift = async () =>
    t.db.query(
      `SELECT w.workspace_id, w.member_count, (SELECT count(*)::int FROM workspace_members m WHERE m.workspace_id = w.workspace_id) AS actual
         FROM workspaces w WHERE w.member_count <> (SELECT count(*) FROM workspace_members m WHERE m.workspace_id = w.workspace_id)`,
    );

  it('updates a workspace once per statement, however many members the statement adds or removes', async () => {
    const workspaceId = await insertWorkspace(t.db, orgId);
    const ids = await bulkMembers(t.db, workspaceId, 10, 'member', 'before');
    const runner = t.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const updates = async () => Number((await runner.query(`SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'workspaces'`))[0].n_tup_upd);
      const before = await updates();
      await runner.query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = ANY($2::uuid[])`, [workspaceId, ids]);
      await runner.query(
        `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at)
         SELECT $1, user_id, 'member', created_at FROM users WHERE user_id = ANY($2::uuid[])`,
        [workspaceId, ids],
      );
      expect(await updates()).toBe(before + 2);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await drift()).toEqual([]);
  });

  it('stays exact across several workspaces at once and through cascades (user, workspace and org deletes)', async () => {
    const a = await insertWorkspace(t.db, orgId);
    const b = await insertWorkspace(t.db, orgId);
    const ids = await bulkMembers(t.db, a, 30, 'member', 'multi');
    await t.db.query(
      `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at) SELECT $1, user_id, 'viewer', created_at FROM users WHERE user_id = ANY($2::uuid[])`,
      [b, ids.slice(0, 20)],
    );
    expect(await drift()).toEqual([]);
    // One statement leaving both workspaces.
    await t.db.query(`DELETE FROM workspace_members WHERE user_id = ANY($1::uuid[])`, [ids.slice(0, 5)]);
    const member = await seedUser(t.db);
    await setWorkspaceRole(t.db, a, member.user_id, 'member');
    await setWorkspaceRole(t.db, b, member.user_id, 'member');
    expect((await t.http.delete(`/v1/users/${member.user_id}`).set(bearer(member.token))).status).toBe(204);
    expect(await drift()).toEqual([]);
    const [counts] = await t.db.query(`SELECT (SELECT member_count FROM workspaces WHERE workspace_id = $1) AS a, (SELECT member_count FROM workspaces WHERE workspace_id = $2) AS b`, [a, b]);
    expect(counts).toEqual({ a: 25, b: 15 });
    await t.db.query(`DELETE FROM workspaces WHERE workspace_id = $1`, [b]);
    await t.db.query(`DELETE FROM organizations WHERE org_id = $1`, [orgId]);
    expect(await drift()).toEqual([]);
  });
});
