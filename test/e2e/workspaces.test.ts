import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

const WORKSPACE_KEYS = ['workspace_id', 'org_id', 'name', 'slug', 'description', 'created_at', 'updated_at'];

describe('workspaces', () => {
  let t: TestApp;
  let orgId: string;
  let orgAdmin: SeedUser;
  let plain: SeedUser;
  let platform: SeedUser;
  beforeAll(async () => {
    t = await createTestApp();
    orgId = await insertOrg(t.db);
    orgAdmin = await seedUser(t.db);
    plain = await seedUser(t.db);
    platform = await seedUser(t.db, { roles: ['admin'] });
    await setOrgRole(t.db, orgId, orgAdmin.user_id, 'admin');
    await setOrgRole(t.db, orgId, plain.user_id, 'member');
  });
  afterAll(() => t.close());

  const url = (org = orgId) => `/v1/orgs/${org}/workspaces`;
  const create = (who: SeedUser, body: object, org = orgId) => t.http.post(url(org)).set(bearer(who.token)).send(body);

  it('creates a workspace whose creator becomes its owner', async () => {
    const res = await create(orgAdmin, { name: 'Design Team', description: 'Pixels' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(WORKSPACE_KEYS);
    expect(res.body).toMatchObject({ org_id: orgId, name: 'Design Team', slug: 'design-team', description: 'Pixels' });
    const [m] = await t.db.query(
      `SELECT wm.role, wm.user_created_at = u.created_at AS copied FROM workspace_members wm JOIN users u USING (user_id)
       WHERE wm.workspace_id = $1 AND wm.user_id = $2`,
      [res.body.workspace_id, orgAdmin.user_id],
    );
    expect(m).toEqual({ role: 'owner', copied: true });
    const members = await t.http.get(`${url()}/${res.body.workspace_id}/members`).set(bearer(orgAdmin.token));
    expect(members.body.total).toBe(1);
  });

  it('keeps slugs unique per org only', async () => {
    const taken = await create(orgAdmin, { name: 'Again', slug: 'design-team' });
    expect(taken.status).toBe(409);
    expect(taken.body.details).toEqual({ resource_type: 'workspace', field: 'slug' });
    const derived = await create(orgAdmin, { name: 'Design Team' });
    expect(derived.body.slug).toMatch(/^design-team-[0-9a-f]{6}$/);
    const otherOrg = await insertOrg(t.db);
    const elsewhere = await create(platform, { name: 'Design Team', slug: 'design-team' }, otherOrg);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body).toMatchObject({ slug: 'design-team', description: null, org_id: otherOrg });
    // A platform admin creating in a foreign org becomes its member, so the workspace stays consistent.
    const [om] = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [otherOrg, platform.user_id]);
    expect(om.role).toBe('member');
  });

  it('lists every workspace to org admins and only their own to org members', async () => {
    const org = await insertOrg(t.db);
    const admin = await seedUser(t.db);
    const member = await seedUser(t.db);
    await setOrgRole(t.db, org, admin.user_id, 'admin');
    await setOrgRole(t.db, org, member.user_id, 'member');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(admin, { name: `WS ${i}` }, org)).body.workspace_id);
    await setWorkspaceRole(t.db, ids[1], member.user_id, 'viewer');
    await setWorkspaceRole(t.db, ids[3], member.user_id, 'member');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.http.get(url(org)).query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(bearer(admin.token));
      expect(Object.keys(res.body)).toEqual(['workspaces', 'total', 'has_more', 'next_cursor']);
      expect(res.body.total).toBe(5);
      seen.push(...res.body.workspaces.map((w: { workspace_id: string }) => w.workspace_id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const own = await t.http.get(url(org)).set(bearer(member.token));
    expect(own.body).toMatchObject({ total: 2, has_more: false, next_cursor: null });
    expect(own.body.workspaces.map((w: { workspace_id: string }) => w.workspace_id)).toEqual([ids[1], ids[3]]);
  });

  it('reads, updates and clears the description', async () => {
    const ws = (await create(orgAdmin, { name: 'Editable', description: 'before' })).body;
    const got = await t.http.get(`${url()}/${ws.workspace_id}`).set(bearer(orgAdmin.token));
    expect(got.body).toEqual(ws);
    const upd = await t.http.patch(`${url()}/${ws.workspace_id}`).set(bearer(orgAdmin.token)).send({ name: 'Edited', slug: 'edited-ws' });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ name: 'Edited', slug: 'edited-ws', description: 'before' });
    const cleared = await t.http.patch(`${url()}/${ws.workspace_id}`).set(bearer(orgAdmin.token)).send({ description: null });
    expect(cleared.body.description).toBeNull();
    expect(cleared.body.name).toBe('Edited');
    const clash = await t.http.patch(`${url()}/${ws.workspace_id}`).set(bearer(orgAdmin.token)).send({ slug: 'design-team' });
    expect(clash.status).toBe(409);
    expect(clash.body.details).toEqual({ resource_type: 'workspace', field: 'slug' });
    const long = await t.http.patch(`${url()}/${ws.workspace_id}`).set(bearer(orgAdmin.token)).send({ description: 'x'.repeat(1001) });
    expect(long.status).toBe(422);
    expect(long.body.detail[0]).toMatchObject({ type: 'string_too_long', loc: ['body', 'description'], ctx: { max_length: 1000 } });
  });

  it('answers 404 for a workspace of another org, and for one that does not exist', async () => {
    const otherOrg = await insertOrg(t.db);
    const foreign = await insertWorkspace(t.db, otherOrg);
    for (const id of [foreign, '00000000-0000-4000-8000-000000000000']) {
      const res = await t.http.get(`${url()}/${id}`).set(bearer(platform.token));
      expect(res.status).toBe(404);
      expect(res.body.details).toEqual({ resource_type: 'workspace', resource_id: id });
    }
    // A plain org member sees that the workspace exists but may not read it; an outsider sees no org.
    const path = `${url()}/${(await create(orgAdmin, { name: 'Not Joined' })).body.workspace_id}`;
    const forbidden = await t.http.get(path).set(bearer(plain.token));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.details).toEqual({ required_permission: 'workspaces:read' });
    const hidden = await t.http.get(path).set(bearer((await seedUser(t.db)).token));
    expect(hidden.status).toBe(404);
    expect(hidden.body.details).toEqual({ resource_type: 'organization', resource_id: orgId });
  });

  it('deletes a workspace with its memberships', async () => {
    const ws = (await create(orgAdmin, { name: 'Short Lived' })).body;
    await setWorkspaceRole(t.db, ws.workspace_id, plain.user_id, 'member');
    await t.db.query(`UPDATE users SET default_workspace_id = $1 WHERE user_id = $2`, [ws.workspace_id, plain.user_id]);
    const res = await t.http.delete(`${url()}/${ws.workspace_id}`).set(bearer(orgAdmin.token));
    expect(res.status).toBe(204);
    const [state] = await t.db.query(
      `SELECT (SELECT count(*)::int FROM workspace_members WHERE workspace_id = $1) AS members,
              (SELECT default_workspace_id FROM users WHERE user_id = $2) AS default_ws,
              (SELECT count(*)::int FROM org_members WHERE org_id = $3 AND user_id = $2) AS still_in_org`,
      [ws.workspace_id, plain.user_id, orgId],
    );
    expect(state).toEqual({ members: 0, default_ws: null, still_in_org: 1 });
  });
});
