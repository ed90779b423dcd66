import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { buildWorld, insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole, type World } from './access-fixtures.js';

const MEMBER_KEYS = ['workspace_id', 'user_id', 'org_id', 'role', 'username', 'email', 'full_name', 'avatar_url', 'added_by', 'created_at', 'updated_at'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('workspace members', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const base = (w: { orgId: string; workspaceId: string }) => `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`;
  const roleOf = async (workspaceId: string, userId: string) =>
    (await t.db.query(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]))[0]?.role;
  const owners = async (workspaceId: string) =>
    Number((await t.db.query(`SELECT count(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [workspaceId]))[0].count);

  describe('add', () => {
    let w: World;
    beforeAll(async () => {
      w = await buildWorld(t.db);
    });

    it('adds with role member by default and answers the exact member object', async () => {
      const user = await seedUser(t.db, { full_name: 'New Person', avatar_url: 'https://example.com/a.png' });
      const res = await t.http.post(base(w)).set(bearer(w.users.admin.token)).send({ user_id: user.user_id, ignored: 'x' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual(MEMBER_KEYS);
      expect(res.body).toMatchObject({
        workspace_id: w.workspaceId, user_id: user.user_id, org_id: w.orgId, role: 'member', username: user.username, email: user.email,
        full_name: 'New Person', avatar_url: 'https://example.com/a.png', added_by: w.users.admin.user_id,
      });
      expect(res.body.created_at).toMatch(ISO);
      expect(res.body.updated_at).toMatch(ISO);
      const [row] = await t.db.query(
        `SELECT wm.user_created_at = u.created_at AS copied FROM workspace_members wm JOIN users u USING (user_id) WHERE wm.workspace_id = $1 AND wm.user_id = $2`,
        [w.workspaceId, user.user_id],
      );
      expect(row.copied).toBe(true);
      const [org] = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [w.orgId, user.user_id]);
      expect(org.role).toBe('member');
    });

    it('keeps an existing org role when adding to a workspace', async () => {
      const res = await t.http.post(base(w)).set(bearer(w.users.owner.token)).send({ user_id: w.users.orgAdmin.user_id, role: 'viewer' });
      expect(res.status).toBe(201);
      const [org] = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [w.orgId, w.users.orgAdmin.user_id]);
      expect(org.role).toBe('admin');
    });

    it('answers 404 user for an unknown user and 409 for an existing member', async () => {
      const missing = '00000000-0000-4000-8000-000000000001';
      const unknown = await t.http.post(base(w)).set(bearer(w.users.admin.token)).send({ user_id: missing });
      expect(unknown.status).toBe(404);
      expect(unknown.body.details).toEqual({ resource_type: 'user', resource_id: missing });
      const dup = await t.http.post(base(w)).set(bearer(w.users.admin.token)).send({ user_id: w.users.viewer.user_id, role: 'admin' });
      expect(dup.status).toBe(409);
      expectErrorShape(dup.body, 409, 'RESOURCE_CONFLICT');
      expect(dup.body.details).toEqual({ resource_type: 'member', field: 'user_id' });
      expect(await roleOf(w.workspaceId, w.users.viewer.user_id)).toBe('viewer');
    });

    it('validates the body after the permission: 403 first, then 422 enum', async () => {
      const forbidden = await t.http.post(base(w)).set(bearer(w.users.member.token)).send({ user_id: 'nope', role: 'boss' });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.details).toEqual({ required_permission: 'members:add' });
      const invalid = await t.http.post(base(w)).set(bearer(w.users.admin.token)).send({ user_id: 'nope', role: 'boss' });
      expect(invalid.status).toBe(422);
      expect(invalid.body.detail).toEqual([
        expect.objectContaining({ type: 'uuid_parsing', loc: ['body', 'user_id'], input: 'nope' }),
        {
          type: 'enum', loc: ['body', 'role'], msg: "Input should be 'owner', 'admin', 'member' or 'viewer'", input: 'boss',
          ctx: { expected: "'owner', 'admin', 'member' or 'viewer'" },
        },
      ]);
      const missing = await t.http.post(base(w)).set(bearer(w.users.admin.token)).send({});
      expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'user_id'], msg: 'Field required', input: {} }]);
    });

    it('lets only an owner add an owner', async () => {
      const user = await seedUser(t.db);
      const byAdmin = await t.http.post(base(w)).set(bearer(w.users.admin.token)).send({ user_id: user.user_id, role: 'owner' });
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.details).toEqual({ required_permission: 'members:manage_owners' });
      expect(await roleOf(w.workspaceId, user.user_id)).toBeUndefined();
      const byOrgOwner = await t.http.post(base(w)).set(bearer(w.users.orgOwner.token)).send({ user_id: user.user_id, role: 'owner' });
      expect(byOrgOwner.status).toBe(201);
      expect(byOrgOwner.body.role).toBe('owner');
    });

    it('answers one 201 and only 409s to concurrent adds of the same user', async () => {
      const user = await seedUser(t.db);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => t.http.post(base(w)).set(bearer(w.users.admin.token)).send({ user_id: user.user_id })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      const [{ count }] = await t.db.query(`SELECT count(*)::int FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [w.workspaceId, user.user_id]);
      expect(count).toBe(1);
    });

    it('keeps member_count in step', async () => {
      const [{ member_count, actual }] = await t.db.query(
        `SELECT member_count, (SELECT count(*)::int FROM workspace_members WHERE workspace_id = $1) AS actual FROM workspaces WHERE workspace_id = $1`,
        [w.workspaceId],
      );
      expect(member_count).toBe(actual);
      const list = await t.http.get(base(w)).set(bearer(w.users.viewer.token));
      expect(list.body.total).toBe(actual);
    });
  });

  describe('change role', () => {
    it('lets an admin change members below admin, not admins or owners', async () => {
      const w = await buildWorld(t.db);
      const peer = await seedUser(t.db);
      await setWorkspaceRole(t.db, w.workspaceId, peer.user_id, 'admin');
      const ok = await t.http.patch(`${base(w)}/${w.users.member.user_id}`).set(bearer(w.users.admin.token)).send({ role: 'viewer' });
      expect(ok.status).toBe(200);
      expect(Object.keys(ok.body)).toEqual(MEMBER_KEYS);
      expect(ok.body.role).toBe('viewer');
      const promote = await t.http.patch(`${base(w)}/${w.users.member.user_id}`).set(bearer(w.users.admin.token)).send({ role: 'admin' });
      expect(promote.status).toBe(200);
      for (const [target, role] of [[peer, 'member'], [w.users.owner, 'admin'], [w.users.member, 'owner']] as [SeedUser, string][]) {
        const res = await t.http.patch(`${base(w)}/${target.user_id}`).set(bearer(w.users.admin.token)).send({ role });
        expect(res.status, `${role}`).toBe(403);
        expect(res.body.details).toEqual({ required_permission: 'members:manage_owners' });
      }
      expect(await roleOf(w.workspaceId, peer.user_id)).toBe('admin');
      expect(await roleOf(w.workspaceId, w.users.owner.user_id)).toBe('owner');
      const self = await t.http.patch(`${base(w)}/${w.users.admin.user_id}`).set(bearer(w.users.admin.token)).send({ role: 'member' });
      expect(self.status).toBe(200);
    });

    it('lets an org admin act as a workspace admin, and an org owner as an owner', async () => {
      const w = await buildWorld(t.db);
      const byOrgAdmin = await t.http.patch(`${base(w)}/${w.users.admin.user_id}`).set(bearer(w.users.orgAdmin.token)).send({ role: 'member' });
      expect(byOrgAdmin.status).toBe(403);
      expect(byOrgAdmin.body.details).toEqual({ required_permission: 'members:manage_owners' });
      const byOrgOwner = await t.http.patch(`${base(w)}/${w.users.admin.user_id}`).set(bearer(w.users.orgOwner.token)).send({ role: 'owner' });
      expect(byOrgOwner.status).toBe(200);
      const byPlatform = await t.http.patch(`${base(w)}/${w.users.admin.user_id}`).set(bearer(w.users.platform.token)).send({ role: 'viewer' });
      expect(byPlatform.status).toBe(200);
    });

    it('refuses to demote the last owner, even for an org owner (inherited ownership does not count)', async () => {
      const w = await buildWorld(t.db);
      for (const who of ['owner', 'orgOwner', 'platform'] as const) {
        const res = await t.http.patch(`${base(w)}/${w.users.owner.user_id}`).set(bearer(w.users[who].token)).send({ role: 'admin' });
        expect(res.status, who).toBe(409);
        expectErrorShape(res.body, 409, 'RESOURCE_CONFLICT');
        expect(res.body.details).toEqual({ reason: 'last_owner', workspace_id: w.workspaceId });
      }
      expect(await roleOf(w.workspaceId, w.users.owner.user_id)).toBe('owner');
      const same = await t.http.patch(`${base(w)}/${w.users.owner.user_id}`).set(bearer(w.users.owner.token)).send({ role: 'owner' });
      expect(same.status).toBe(200);
    });

    it('answers 404 member for a user who is not a member, after the body check', async () => {
      const w = await buildWorld(t.db);
      const res = await t.http.patch(`${base(w)}/${w.users.orgMember.user_id}`).set(bearer(w.users.owner.token)).send({ role: 'viewer' });
      expect(res.status).toBe(404);
      expect(res.body.details).toEqual({ resource_type: 'member', resource_id: w.users.orgMember.user_id });
      const invalid = await t.http.patch(`${base(w)}/${w.users.orgMember.user_id}`).set(bearer(w.users.owner.token)).send({ role: null });
      expect(invalid.status).toBe(422);
      expect(invalid.body.detail[0]).toMatchObject({ type: 'enum', loc: ['body', 'role'], input: null });
    });
  });

  describe('remove', () => {
    it('refuses to remove the last owner, even when they leave themself', async () => {
      const w = await buildWorld(t.db);
      for (const who of ['owner', 'orgOwner'] as const) {
        const res = await t.http.delete(`${base(w)}/${w.users.owner.user_id}`).set(bearer(w.users[who].token));
        expect(res.status, who).toBe(409);
        expect(res.body.details).toEqual({ reason: 'last_owner', workspace_id: w.workspaceId });
      }
      await setWorkspaceRole(t.db, w.workspaceId, w.users.member.user_id, 'owner');
      const leave = await t.http.delete(`${base(w)}/${w.users.owner.user_id}`).set(bearer(w.users.owner.token));
      expect(leave.status).toBe(204);
      expect(leave.text).toBe('');
      expect(await roleOf(w.workspaceId, w.users.owner.user_id)).toBeUndefined();
    });

    it('stops an admin removing an owner or another admin, but not a member', async () => {
      const w = await buildWorld(t.db);
      const peer = await seedUser(t.db);
      await setWorkspaceRole(t.db, w.workspaceId, peer.user_id, 'admin');
      for (const target of [w.users.owner, peer]) {
        const res = await t.http.delete(`${base(w)}/${target.user_id}`).set(bearer(w.users.admin.token));
        expect(res.status).toBe(403);
        expect(res.body.details).toEqual({ required_permission: 'members:manage_owners' });
      }
      expect((await t.http.delete(`${base(w)}/${w.users.member.user_id}`).set(bearer(w.users.admin.token))).status).toBe(204);
      const again = await t.http.delete(`${base(w)}/${w.users.member.user_id}`).set(bearer(w.users.admin.token));
      expect(again.status).toBe(404);
      expect(again.body.details).toEqual({ resource_type: 'member', resource_id: w.users.member.user_id });
    });

    it('keeps the org membership when leaving a workspace', async () => {
      const w = await buildWorld(t.db);
      expect((await t.http.delete(`${base(w)}/${w.users.viewer.user_id}`).set(bearer(w.users.viewer.token))).status).toBe(204);
      const [org] = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [w.orgId, w.users.viewer.user_id]);
      expect(org.role).toBe('member');
    });
  });

  describe('races', () => {
    it('never lets two owners demoting each other at once leave the workspace without an owner', async () => {
      for (let round = 0; round < 10; round++) {
        const orgId = await insertOrg(t.db);
        const workspaceId = await insertWorkspace(t.db, orgId);
        const [a, b] = [await seedUser(t.db), await seedUser(t.db)];
        await setWorkspaceRole(t.db, workspaceId, a.user_id, 'owner');
        await setWorkspaceRole(t.db, workspaceId, b.user_id, 'owner');
        const url = base({ orgId, workspaceId });
        const [ra, rb] = await Promise.all([
          t.http.patch(`${url}/${b.user_id}`).set(bearer(a.token)).send({ role: 'member' }),
          t.http.patch(`${url}/${a.user_id}`).set(bearer(b.token)).send({ role: 'member' }),
        ]);
        const statuses = [ra.status, rb.status].sort();
        // The second request runs with the first committed: its caller is no longer an owner (403) or is the last one (409).
        expect(statuses[0], JSON.stringify([ra.body, rb.body])).toBe(200);
        expect([403, 409]).toContain(statuses[1]);
        expect(await owners(workspaceId)).toBe(1);
      }
    });

    it('keeps at least one owner through 50 concurrent role changes and removals', async () => {
      const orgId = await insertOrg(t.db);
      const workspaceId = await insertWorkspace(t.db, orgId);
      const people: SeedUser[] = [];
      for (let i = 0; i < 5; i++) {
        people.push(await seedUser(t.db));
        await setWorkspaceRole(t.db, workspaceId, people[i].user_id, 'owner');
      }
      const url = base({ orgId, workspaceId });
      // Every owner fires ten changes at once: demotions and removals of each owner, themself included.
      const requests = Array.from({ length: 50 }, (_, i) => {
        const actor = people[i % 5];
        const target = people[Math.floor(i / 5) % 5];
        if (i % 9 === 4) return t.http.delete(`${url}/${target.user_id}`).set(bearer(actor.token));
        return t.http.patch(`${url}/${target.user_id}`).set(bearer(actor.token)).send({ role: ['member', 'admin', 'viewer'][i % 3] });
      });
      const results = await Promise.all(requests);
      const statuses = results.map((r) => r.status);
      for (const r of results) expect([200, 204, 403, 404, 409], JSON.stringify(r.body)).toContain(r.status);
      expect(statuses.filter((s) => s === 200 || s === 204).length, statuses.join()).toBeGreaterThanOrEqual(4);
      expect(statuses, statuses.join()).toContain(409);
      expect(await owners(workspaceId)).toBeGreaterThanOrEqual(1);
    });
  });

  it('answers 404 workspace for a workspace id that lives in another org', async () => {
    const w = await buildWorld(t.db);
    const res = await t.http.post(base({ orgId: w.orgId, workspaceId: w.otherWorkspaceId })).set(bearer(w.users.orgOwner.token)).send({ user_id: w.target.user_id });
    expect(res.status).toBe(404);
    expect(res.body.details).toEqual({ resource_type: 'workspace', resource_id: w.otherWorkspaceId });
    const [row] = await t.db.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [w.otherWorkspaceId, w.target.user_id]);
    expect(row).toBeUndefined();
  });

  it('refuses an org role set in a workspace-only way: org admins of another org see nothing', async () => {
    const w = await buildWorld(t.db);
    await setOrgRole(t.db, w.otherOrgId, w.users.orgAdmin.user_id, 'admin');
    const res = await t.http.get(base({ orgId: w.otherOrgId, workspaceId: w.workspaceId })).set(bearer(w.users.orgAdmin.token));
    expect(res.status).toBe(404);
    expect(res.body.details).toEqual({ resource_type: 'workspace', resource_id: w.workspaceId });
  });
});
