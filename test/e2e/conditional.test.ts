import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { buildWorld, insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole, type World } from './access-fixtures.js';

const STRONG = /^"\d+(\.\d+)?"$/;

/** One single-resource type: where it lives, how to change it, and what the database says of it. */
interface Resource {
  type: string;
  path: () => string;
  id: () => string;
  token: () => string;
  /** The write the tests send, its method and a body that changes something each time. */
  write: { method: 'put' | 'patch'; body: (n: number) => Record<string, unknown> };
  /** A column of the row the write changes, to check a refused write changed nothing. */
  state: () => Promise<unknown>;
  /** Whether the resource has a GET of its own. */
  readable: boolean;
}

describe('conditional requests', () => {
  let t: TestApp;
  let w: World;
  let admin: SeedUser;
  let self: SeedUser;
  let orgId: string;
  let workspaceId: string;
  let member: SeedUser;
  let orgMember: SeedUser;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t.db);
    admin = await seedUser(t.db, { roles: ['admin'] });
    self = await seedUser(t.db);
    orgId = await insertOrg(t.db);
    workspaceId = await insertWorkspace(t.db, orgId);
    await setOrgRole(t.db, orgId, admin.user_id, 'owner');
    await setWorkspaceRole(t.db, workspaceId, admin.user_id, 'owner');
    member = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, member.user_id, 'member');
    orgMember = await seedUser(t.db);
    await setOrgRole(t.db, orgId, orgMember.user_id, 'member');
  });
  afterAll(() => t.close());

  const one = async (sql: string, params: unknown[]) => (await t.db.query(sql, params))[0];
  const resources: Resource[] = [
    {
      type: 'user', path: () => `/v1/users/${self.user_id}`, id: () => self.user_id, token: () => self.token, readable: true,
      write: { method: 'put', body: (n) => ({ full_name: `Name ${n}` }) },
      state: async () => (await one(`SELECT full_name FROM users WHERE user_id = $1`, [self.user_id])).full_name,
    },
    {
      type: 'organization', path: () => `/v1/orgs/${orgId}`, id: () => orgId, token: () => admin.token, readable: true,
      write: { method: 'patch', body: (n) => ({ name: `Org ${n}` }) },
      state: async () => (await one(`SELECT name FROM organizations WHERE org_id = $1`, [orgId])).name,
    },
    {
      type: 'workspace', path: () => `/v1/orgs/${orgId}/workspaces/${workspaceId}`, id: () => workspaceId, token: () => admin.token, readable: true,
      write: { method: 'patch', body: (n) => ({ name: `Workspace ${n}` }) },
      state: async () => (await one(`SELECT name FROM workspaces WHERE workspace_id = $1`, [workspaceId])).name,
    },
    {
      type: 'member', path: () => `/v1/orgs/${orgId}/workspaces/${workspaceId}/members/${member.user_id}`, id: () => member.user_id, token: () => admin.token,
      readable: false,
      write: { method: 'patch', body: (n) => ({ role: n % 2 ? 'viewer' : 'admin' }) },
      state: async () => (await one(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, member.user_id])).role,
    },
    {
      type: 'member', path: () => `/v1/orgs/${orgId}/members/${orgMember.user_id}`, id: () => orgMember.user_id, token: () => admin.token, readable: false,
      write: { method: 'patch', body: (n) => ({ role: n % 2 ? 'admin' : 'member' }) },
      state: async () => (await one(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [orgId, orgMember.user_id])).role,
    },
  ];
  let counter = 0;
  const send = (r: Resource, headers: Record<string, string> = {}) => t.http[r.write.method](r.path()).set(bearer(r.token())).set(headers).send(r.write.body(++counter));
  /** The current tag: from a GET where there is one, else from a write that changes nothing for the test. */
  const currentTag = async (r: Resource): Promise<string> => {
    const res = r.readable ? await t.http.get(r.path()).set(bearer(r.token())) : await send(r);
    expect(res.status).toBe(200);
    return res.headers.etag;
  };

  describe.each(resources.map((r, i) => [`${r.type} #${i}`, i]))('%s', (_label, index) => {
    const r = () => resources[index as number];

    it('answers a strong ETag, and a write with the current If-Match succeeds with a new one', async () => {
      const tag = await currentTag(r());
      expect(tag).toMatch(STRONG);
      const res = await send(r(), { 'If-Match': tag });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toMatch(STRONG);
      expect(res.headers.etag).not.toBe(tag);
      expect(Object.keys(res.body)).not.toContain('version');
      if (r().readable) expect((await t.http.get(r().path()).set(bearer(r().token()))).headers.etag).toBe(res.headers.etag);
    });

    it('answers 412 with the current tag to a stale If-Match, and changes nothing', async () => {
      const stale = await currentTag(r());
      const moved = await send(r());
      const before = await r().state();
      const res = await send(r(), { 'If-Match': stale });
      expectErrorShape(res.body, 412, 'PRECONDITION_FAILED');
      expect(res.body.message).toBe('The resource has changed');
      expect(res.body.details).toEqual({ resource_type: r().type, resource_id: r().id(), current_etag: moved.headers.etag });
      expect(res.headers.etag).toBe(moved.headers.etag);
      expect(await r().state()).toEqual(before);
    });

    it('takes * as any current tag, a list when one of its tags is current, and never a weak tag', async () => {
      expect((await send(r(), { 'If-Match': '*' })).status).toBe(200);
      const tag = await currentTag(r());
      expect((await send(r(), { 'If-Match': `"nope", ${tag}` })).status).toBe(200);
      const current = await currentTag(r());
      const before = await r().state();
      const weak = await send(r(), { 'If-Match': `W/${current}` });
      expect(weak.status).toBe(412);
      expect(await r().state()).toEqual(before);
    });

    it('answers 304 with the same ETag to a matching If-None-Match', async () => {
      if (!r().readable) return;
      const tag = await currentTag(r());
      for (const header of [tag, `"x", ${tag}`, '*', `W/${tag}`]) {
        // fetch() adds `Cache-Control: no-cache` to a request with If-None-Match; the precondition still holds.
        const res = await t.http.get(r().path()).set(bearer(r().token())).set('If-None-Match', header).set('Cache-Control', 'no-cache');
        expect(res.status).toBe(304);
        expect(res.text).toBe('');
        expect(res.headers.etag).toBe(tag);
      }
      const other = await t.http.get(r().path()).set(bearer(r().token())).set('If-None-Match', '"0"');
      expect(other.status).toBe(200);
      expect(other.body).toBeTypeOf('object');
    });
  });

  it('answers ETag on creation, and on GET /v1/users/me with 304 to its tag', async () => {
    const org = await t.http.post('/v1/orgs').set(bearer(admin.token)).send({ name: 'Tagged' });
    expect(org.status).toBe(201);
    expect(org.headers.etag).toMatch(STRONG);
    expect((await t.http.get(`/v1/orgs/${org.body.org_id}`).set(bearer(admin.token))).headers.etag).toBe(org.headers.etag);
    const ws = await t.http.post(`/v1/orgs/${org.body.org_id}/workspaces`).set(bearer(admin.token)).send({ name: 'Tagged' });
    expect(ws.status).toBe(201);
    expect((await t.http.get(`/v1/orgs/${org.body.org_id}/workspaces/${ws.body.workspace_id}`).set(bearer(admin.token))).headers.etag).toBe(ws.headers.etag);
    const me = await t.http.get('/v1/users/me').set(bearer(self.token));
    expect(me.headers.etag).toMatch(STRONG);
    const again = await t.http.get('/v1/users/me').set(bearer(self.token)).set('If-None-Match', me.headers.etag);
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(me.headers.etag);
  });

  it('moves the tags when the resource changes through another endpoint', async () => {
    const user = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, user.user_id, 'viewer');
    const memberPath = `/v1/orgs/${orgId}/workspaces/${workspaceId}/members/${user.user_id}`;
    const tags: string[] = [(await t.http.get('/v1/users/me').set(bearer(user.token))).headers.etag];
    const prefs = await t.http.patch('/v1/users/me/preferences').set(bearer(user.token)).send({ preferences: { theme: 'dark' } });
    expect(prefs.status).toBe(200);
    tags.push(prefs.headers.etag);
    tags.push((await t.http.get(`/v1/users/${user.user_id}`).set(bearer(user.token))).headers.etag);
    expect(tags[1]).not.toBe(tags[0]);
    expect(tags[2]).toBe(tags[1]);
    // A stale If-Match on the preferences after an email change made through PUT.
    const put = await t.http.put(`/v1/users/${user.user_id}`).set(bearer(user.token)).send({ email: `changed_${user.user_id.slice(0, 8)}@example.com` });
    expect(put.headers.etag).not.toBe(tags[2]);
    const stale = await t.http.patch('/v1/users/me/preferences').set(bearer(user.token)).set('If-Match', tags[2]).send({ preferences: { theme: 'light' } });
    expect(stale.status).toBe(412);
    expect(stale.body.details.current_etag).toBe(put.headers.etag);
    expect((await one(`SELECT preferences FROM users WHERE user_id = $1`, [user.user_id])).preferences).toEqual({ theme: 'dark' });
    // The member object shows the user's email: its tag moves with the user's row too.
    const first = await t.http.patch(memberPath).set(bearer(admin.token)).send({ role: 'member' });
    await t.http.put(`/v1/users/${user.user_id}`).set(bearer(user.token)).send({ full_name: 'Renamed' });
    const refused = await t.http.patch(memberPath).set(bearer(admin.token)).set('If-Match', first.headers.etag).send({ role: 'admin' });
    expect(refused.status).toBe(412);
    expect(await one(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, user.user_id])).toEqual({ role: 'member' });
    // A role change made directly in the database (any path) moves the member's tag as well.
    const current = (await t.http.patch(memberPath).set(bearer(admin.token)).send({ role: 'member' })).headers.etag;
    await t.db.query(`UPDATE workspace_members SET role = 'viewer' WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, user.user_id]);
    expect((await t.http.patch(memberPath).set(bearer(admin.token)).set('If-Match', current).send({ role: 'admin' })).status).toBe(412);
  });

  it('refuses a stale If-Match on DELETE and deletes nothing; deletes with the current one', async () => {
    const org = await t.http.post('/v1/orgs').set(bearer(admin.token)).send({ name: 'Doomed' });
    const renamed = await t.http.patch(`/v1/orgs/${org.body.org_id}`).set(bearer(admin.token)).send({ name: 'Doomed 2' });
    const refused = await t.http.delete(`/v1/orgs/${org.body.org_id}`).set(bearer(admin.token)).set('If-Match', org.headers.etag);
    expectErrorShape(refused.body, 412, 'PRECONDITION_FAILED');
    expect(refused.body.details).toEqual({ resource_type: 'organization', resource_id: org.body.org_id, current_etag: renamed.headers.etag });
    expect(await one(`SELECT count(*)::int AS n FROM organizations WHERE org_id = $1`, [org.body.org_id])).toEqual({ n: 1 });
    const done = await t.http.delete(`/v1/orgs/${org.body.org_id}`).set(bearer(admin.token)).set('If-Match', renamed.headers.etag);
    expect(done.status).toBe(204);
    expect(await one(`SELECT count(*)::int AS n FROM organizations WHERE org_id = $1`, [org.body.org_id])).toEqual({ n: 0 });

    const user = await seedUser(t.db);
    const tag = (await t.http.get(`/v1/users/${user.user_id}`).set(bearer(user.token))).headers.etag;
    await t.http.patch('/v1/users/me/preferences').set(bearer(user.token)).send({ preferences: { a: 1 } });
    const kept = await t.http.delete(`/v1/users/${user.user_id}`).set(bearer(admin.token)).set('If-Match', tag);
    expect(kept.status).toBe(412);
    expect(await one(`SELECT count(*)::int AS n FROM users WHERE user_id = $1`, [user.user_id])).toEqual({ n: 1 });
  });

  it('checks a member that is not there: 412 to If-Match, 404 without', async () => {
    const missing = '00000000-0000-4000-8000-0000000000aa';
    const path = `/v1/orgs/${orgId}/workspaces/${workspaceId}/members/${missing}`;
    const refused = await t.http.patch(path).set(bearer(admin.token)).set('If-Match', '*').send({ role: 'admin' });
    expectErrorShape(refused.body, 412, 'PRECONDITION_FAILED');
    expect(refused.body.details).toEqual({ resource_type: 'member', resource_id: missing, current_etag: null });
    expect((await t.http.patch(path).set(bearer(admin.token)).send({ role: 'admin' })).status).toBe(404);
  });

  it('validates the body before the precondition: 422, not 412', async () => {
    const res = await t.http.patch(`/v1/orgs/${orgId}/workspaces/${workspaceId}/members/${member.user_id}`).set(bearer(admin.token)).set('If-Match', '"0.0"').send({ role: 'emperor' });
    expect(res.status).toBe(422);
  });

  it('lets exactly one of 20 concurrent writes with the same If-Match through; the others get 412', async () => {
    for (const r of [resources[3], resources[1]]) {
      const tag = await currentTag(r);
      // One body for all 20, unlike the resource's current state: a write that changed nothing
      // would leave the tag as it was, and a second write with it would rightly succeed.
      const body = r.write.body(++counter);
      const results = await Promise.all(Array.from({ length: 20 }, () => t.http[r.write.method](r.path()).set(bearer(r.token())).set('If-Match', tag).send(body)));
      const statuses = results.map((res) => res.status).sort();
      expect(statuses).toEqual([200, ...Array(19).fill(412)]);
      const winner = results.find((res) => res.status === 200)!;
      for (const res of results.filter((x) => x.status === 412)) expect(res.body.details.current_etag).toBe(winner.headers.etag);
    }
  });
});

describe('conditional requests with REQUIRE_IF_MATCH=true', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp({ REQUIRE_IF_MATCH: 'true' });
    w = await buildWorld(t.db);
  });
  afterAll(() => t.close());

  it('answers 428 to an unconditional PUT, PATCH or DELETE of a single resource, after the body 422', async () => {
    const owner = w.users.orgOwner;
    const target = w.target;
    const calls = [
      () => t.http.patch(`/v1/orgs/${w.orgId}`).set(bearer(owner.token)).send({ name: 'X' }),
      () => t.http.delete(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}`).set(bearer(owner.token)),
      () => t.http.patch(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members/${target.user_id}`).set(bearer(owner.token)).send({ role: 'admin' }),
      () => t.http.delete(`/v1/orgs/${w.orgId}/members/${target.user_id}`).set(bearer(owner.token)),
      () => t.http.put(`/v1/users/${target.user_id}`).set(bearer(target.token)).send({ full_name: 'X' }),
      () => t.http.patch('/v1/users/me/preferences').set(bearer(target.token)).send({ preferences: { x: 1 } }),
      () => t.http.patch(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members/00000000-0000-4000-8000-0000000000bb`).set(bearer(owner.token)).send({ role: 'admin' }),
    ];
    for (const call of calls) {
      const res = await call();
      expectErrorShape(res.body, 428, 'PRECONDITION_REQUIRED');
      expect(res.body).toMatchObject({ message: 'This request must be conditional (send If-Match)', details: {} });
    }
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM workspaces WHERE workspace_id = $1`, [w.workspaceId]);
    expect(n).toBe(1);
    const invalid = await t.http.patch(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members/${target.user_id}`).set(bearer(owner.token)).send({ role: 'emperor' });
    expect(invalid.status).toBe(422);
    // Reads, creations and the conditional form are unaffected.
    const org = await t.http.get(`/v1/orgs/${w.orgId}`).set(bearer(owner.token));
    expect(org.status).toBe(200);
    expect((await t.http.patch(`/v1/orgs/${w.orgId}`).set(bearer(owner.token)).set('If-Match', org.headers.etag).send({ name: 'Y' })).status).toBe(200);
    expect((await t.http.post('/v1/orgs').set(bearer(owner.token)).send({ name: 'New' })).status).toBe(201);
  });
});
