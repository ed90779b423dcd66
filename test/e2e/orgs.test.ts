import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

const ORG_KEYS = ['org_id', 'name', 'slug', 'created_at', 'updated_at'];
const ORG_MEMBER_KEYS = ['user_id', 'org_id', 'role', 'username', 'email', 'full_name', 'avatar_url', 'added_by', 'created_at', 'updated_at'];

describe('organizations', () => {
  let t: TestApp;
  let alice: SeedUser;
  let bob: SeedUser;
  let admin: SeedUser;
  beforeAll(async () => {
    t = await createTestApp();
    alice = await seedUser(t.db);
    bob = await seedUser(t.db);
    admin = await seedUser(t.db, { roles: ['admin'] });
  });
  afterAll(() => t.close());

  const createOrg = async (who: SeedUser, body: object) => t.http.post('/v1/orgs').set(bearer(who.token)).send(body);

  describe('create', () => {
    it('creates with a slug derived from the name and makes the creator owner', async () => {
      const res = await createOrg(alice, { name: 'Acme Corp, Ltd!', org_id: 'ignored' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual(ORG_KEYS);
      expect(res.body).toMatchObject({ name: 'Acme Corp, Ltd!', slug: 'acme-corp-ltd' });
      expect(res.body.created_at).toMatch(/Z$/);
      const [m] = await t.db.query(`SELECT role, added_by FROM org_members WHERE org_id = $1 AND user_id = $2`, [res.body.org_id, alice.user_id]);
      expect(m).toEqual({ role: 'owner', added_by: alice.user_id });
    });

    it('makes a derived slug unique, and refuses a taken explicit slug with 409', async () => {
      const again = await createOrg(bob, { name: 'Acme Corp Ltd' });
      expect(again.status).toBe(201);
      expect(again.body.slug).toMatch(/^acme-corp-ltd-[0-9a-f]{6}$/);
      const taken = await createOrg(bob, { name: 'Whatever', slug: 'acme-corp-ltd' });
      expect(taken.status).toBe(409);
      expectErrorShape(taken.body, 409, 'RESOURCE_CONFLICT');
      expect(taken.body.details).toEqual({ resource_type: 'organization', field: 'slug' });
    });

    it('derives a valid slug from any name', async () => {
      for (const [name, slug] of [['É', /^org-e$/], ['!!!', /^org(-[0-9a-f]{6})?$/], ['Ünïcödé  Straße', /^unicode-strasse$/], ['x'.repeat(100), /^x{63}$/]] as const) {
        const res = await createOrg(bob, { name });
        expect(res.status, name).toBe(201);
        expect(res.body.slug, name).toMatch(slug);
        expect(res.body.slug).toMatch(/^[a-z0-9][a-z0-9-]{1,62}$/);
      }
    });

    it('validates the body', async () => {
      const res = await createOrg(alice, { name: '', slug: '-bad' });
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([
        { type: 'string_too_short', loc: ['body', 'name'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } },
        {
          type: 'string_pattern_mismatch', loc: ['body', 'slug'], msg: "String should match pattern '^[a-z0-9][a-z0-9-]{1,62}$'", input: '-bad',
          ctx: { pattern: '^[a-z0-9][a-z0-9-]{1,62}$' },
        },
      ]);
      const missing = await createOrg(alice, {});
      expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: {} }]);
      expect((await t.http.post('/v1/orgs').send({ name: 'x' })).status).toBe(401);
    });
  });

  describe('list', () => {
    it("pages through the caller's own orgs; a platform admin sees all", async () => {
      const carol = await seedUser(t.db);
      const mine: string[] = [];
      for (let i = 0; i < 7; i++) mine.push((await createOrg(carol, { name: `Carol ${i}` })).body.org_id);
      await createOrg(bob, { name: 'Not Carols' });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await t.http.get('/v1/orgs').query({ limit: 3, ...(cursor ? { cursor } : {}) }).set(bearer(carol.token));
        expect(res.status).toBe(200);
        expect(Object.keys(res.body)).toEqual(['orgs', 'total', 'has_more', 'next_cursor']);
        expect(res.body.total).toBe(7);
        seen.push(...res.body.orgs.map((o: { org_id: string }) => o.org_id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual(mine);
      const all = await t.http.get('/v1/orgs').query({ limit: 200 }).set(bearer(admin.token));
      const [{ count }] = await t.db.query(`SELECT count(*)::int FROM organizations`);
      expect(all.body.total).toBe(count);
      expect(all.body.orgs).toHaveLength(count);
      const first = await t.http.get('/v1/orgs').query({ limit: 3 }).set(bearer(carol.token));
      const replay = await t.http.get('/v1/orgs').query({ cursor: first.body.next_cursor }).set(bearer(bob.token));
      expect(replay.status).toBe(422);
      expect(replay.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'cursor'] });
    });
  });

  describe('get, update, delete', () => {
    it('reads and partially updates an org; a taken slug is 409', async () => {
      const org = (await createOrg(alice, { name: 'Patchable' })).body;
      const other = (await createOrg(alice, { name: 'Other One' })).body;
      const got = await t.http.get(`/v1/orgs/${org.org_id}`).set(bearer(alice.token));
      expect(got.body).toEqual(org);
      const renamed = await t.http.patch(`/v1/orgs/${org.org_id}`).set(bearer(alice.token)).send({ name: 'Renamed', created_at: 'x' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ org_id: org.org_id, name: 'Renamed', slug: org.slug, created_at: org.created_at });
      const unchanged = await t.http.patch(`/v1/orgs/${org.org_id}`).set(bearer(alice.token)).send({});
      expect(unchanged.body).toEqual(renamed.body);
      const clash = await t.http.patch(`/v1/orgs/${org.org_id}`).set(bearer(alice.token)).send({ slug: other.slug });
      expect(clash.status).toBe(409);
      expect(clash.body.details).toEqual({ resource_type: 'organization', field: 'slug' });
      const nulled = await t.http.patch(`/v1/orgs/${org.org_id}`).set(bearer(alice.token)).send({ name: null });
      expect(nulled.status).toBe(422);
      expect(nulled.body.detail[0]).toMatchObject({ type: 'string_type', loc: ['body', 'name'], input: null });
    });

    it('deletes an org with its workspaces and every membership', async () => {
      const org = (await createOrg(alice, { name: 'Doomed' })).body;
      const ws = await t.http.post(`/v1/orgs/${org.org_id}/workspaces`).set(bearer(alice.token)).send({ name: 'Doomed WS' });
      expect(ws.status).toBe(201);
      await setWorkspaceRole(t.db, ws.body.workspace_id, bob.user_id, 'viewer');
      const res = await t.http.delete(`/v1/orgs/${org.org_id}`).set(bearer(alice.token));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const [counts] = await t.db.query(
        `SELECT (SELECT count(*)::int FROM organizations WHERE org_id = $1) AS orgs,
                (SELECT count(*)::int FROM workspaces WHERE org_id = $1) AS workspaces,
                (SELECT count(*)::int FROM org_members WHERE org_id = $1) AS org_members,
                (SELECT count(*)::int FROM workspace_members WHERE workspace_id = $2) AS workspace_members`,
        [org.org_id, ws.body.workspace_id],
      );
      expect(counts).toEqual({ orgs: 0, workspaces: 0, org_members: 0, workspace_members: 0 });
      const gone = await t.http.get(`/v1/orgs/${org.org_id}`).set(bearer(alice.token));
      expect(gone.status).toBe(404);
      expect(gone.body.details).toEqual({ resource_type: 'organization', resource_id: org.org_id });
    });
  });

  describe('members', () => {
    let orgId: string;
    let orgAdmin: SeedUser;
    beforeAll(async () => {
      orgId = (await createOrg(alice, { name: 'Members Org' })).body.org_id;
      orgAdmin = await seedUser(t.db);
      await setOrgRole(t.db, orgId, orgAdmin.user_id, 'admin');
    });
    const url = () => `/v1/orgs/${orgId}/members`;

    it('lists members in the reference shape', async () => {
      const res = await t.http.get(url()).set(bearer(alice.token));
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['members', 'total']);
      expect(res.body.total).toBe(2);
      expect(Object.keys(res.body.members[0])).toEqual(ORG_MEMBER_KEYS);
      expect(res.body.members[0]).toMatchObject({ user_id: alice.user_id, org_id: orgId, role: 'owner', username: alice.username, email: alice.email });
      const admins = await t.http.get(url()).query({ role: 'admin' }).set(bearer(alice.token));
      expect(admins.body.members.map((m: { user_id: string }) => m.user_id)).toEqual([orgAdmin.user_id]);
      expect(admins.body).toMatchObject({ total: 1, has_more: false, next_cursor: null });
    });

    it('adds (member by default), refuses duplicates and unknown users', async () => {
      const dave = await seedUser(t.db);
      const res = await t.http.post(url()).set(bearer(orgAdmin.token)).send({ user_id: dave.user_id });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual(ORG_MEMBER_KEYS);
      expect(res.body).toMatchObject({ role: 'member', added_by: orgAdmin.user_id });
      const dup = await t.http.post(url()).set(bearer(orgAdmin.token)).send({ user_id: dave.user_id });
      expect(dup.status).toBe(409);
      expect(dup.body.details).toEqual({ resource_type: 'member', field: 'user_id' });
      const missing = '00000000-0000-4000-8000-00000000000a';
      const unknown = await t.http.post(url()).set(bearer(orgAdmin.token)).send({ user_id: missing });
      expect(unknown.status).toBe(404);
      expect(unknown.body.details).toEqual({ resource_type: 'user', resource_id: missing });
      const owner = await t.http.post(url()).set(bearer(orgAdmin.token)).send({ user_id: (await seedUser(t.db)).user_id, role: 'owner' });
      expect(owner.status).toBe(403);
      expect(owner.body.details).toEqual({ required_permission: 'org_members:manage_owners' });
    });

    it('answers one 201 and only 409s to concurrent adds', async () => {
      const erin = await seedUser(t.db);
      const results = await Promise.all(Array.from({ length: 12 }, () => t.http.post(url()).set(bearer(alice.token)).send({ user_id: erin.user_id, role: 'admin' })));
      expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(11).fill(409)]);
    });

    it('applies the owner rules to role changes', async () => {
      const peer = await seedUser(t.db);
      await setOrgRole(t.db, orgId, peer.user_id, 'admin');
      const demotePeer = await t.http.patch(`${url()}/${peer.user_id}`).set(bearer(orgAdmin.token)).send({ role: 'member' });
      expect(demotePeer.status).toBe(403);
      expect(demotePeer.body.details).toEqual({ required_permission: 'org_members:manage_owners' });
      const lastOwner = await t.http.patch(`${url()}/${alice.user_id}`).set(bearer(alice.token)).send({ role: 'admin' });
      expect(lastOwner.status).toBe(409);
      expect(lastOwner.body.details).toEqual({ reason: 'last_owner', org_id: orgId });
      const promote = await t.http.patch(`${url()}/${peer.user_id}`).set(bearer(alice.token)).send({ role: 'owner' });
      expect(promote.status).toBe(200);
      expect(promote.body.role).toBe('owner');
      const step = await t.http.patch(`${url()}/${alice.user_id}`).set(bearer(alice.token)).send({ role: 'admin' });
      expect(step.status).toBe(200);
      const back = await t.http.patch(`${url()}/${alice.user_id}`).set(bearer(peer.token)).send({ role: 'owner' });
      expect(back.status).toBe(200);
      const invalid = await t.http.patch(`${url()}/${alice.user_id}`).set(bearer(peer.token)).send({ role: 'viewer' });
      expect(invalid.status).toBe(422);
      expect(invalid.body.detail[0]).toMatchObject({ type: 'enum', ctx: { expected: "'owner', 'admin' or 'member'" } });
    });

    it('never lets two org owners demoting each other at once leave the org without an owner', async () => {
      for (let round = 0; round < 6; round++) {
        const a = await seedUser(t.db);
        const b = await seedUser(t.db);
        const org = (await createOrg(a, { name: `Race ${round}` })).body.org_id;
        await setOrgRole(t.db, org, b.user_id, 'owner');
        const results = await Promise.all([
          t.http.patch(`/v1/orgs/${org}/members/${b.user_id}`).set(bearer(a.token)).send({ role: 'member' }),
          t.http.patch(`/v1/orgs/${org}/members/${a.user_id}`).set(bearer(b.token)).send({ role: 'admin' }),
        ]);
        const statuses = results.map((r) => r.status).sort();
        expect(statuses[0]).toBe(200);
        expect([403, 409]).toContain(statuses[1]);
        const [{ owners }] = await t.db.query(`SELECT count(*)::int AS owners FROM org_members WHERE org_id = $1 AND role = 'owner'`, [org]);
        expect(owners).toBe(1);
      }
    });

    it('refuses to remove the last org owner', async () => {
      const org = (await createOrg(bob, { name: 'Solo' })).body.org_id;
      const res = await t.http.delete(`/v1/orgs/${org}/members/${bob.user_id}`).set(bearer(bob.token));
      expect(res.status).toBe(409);
      expect(res.body.details).toEqual({ reason: 'last_owner', org_id: org });
      const viaAdmin = await t.http.delete(`/v1/orgs/${org}/members/${bob.user_id}`).set(bearer(admin.token));
      expect(viaAdmin.status).toBe(409);
    });

    it("removing someone from the org removes them from its workspaces, unless they are a workspace's last owner", async () => {
      const org = (await createOrg(alice, { name: 'With Workspaces' })).body.org_id;
      const frank = await seedUser(t.db);
      const [w1, w2] = [await insertWorkspace(t.db, org), await insertWorkspace(t.db, org)];
      await setWorkspaceRole(t.db, w1, frank.user_id, 'owner');
      await setWorkspaceRole(t.db, w2, frank.user_id, 'viewer');
      const refused = await t.http.delete(`/v1/orgs/${org}/members/${frank.user_id}`).set(bearer(alice.token));
      expect(refused.status).toBe(409);
      expect(refused.body.details).toEqual({ reason: 'last_owner', workspace_ids: [w1] });
      await setWorkspaceRole(t.db, w1, alice.user_id, 'owner');
      const res = await t.http.delete(`/v1/orgs/${org}/members/${frank.user_id}`).set(bearer(alice.token));
      expect(res.status).toBe(204);
      const rows = await t.db.query(
        `SELECT 'org' AS kind FROM org_members WHERE org_id = $1 AND user_id = $2
         UNION ALL SELECT 'ws' FROM workspace_members WHERE workspace_id = ANY($3::uuid[]) AND user_id = $2`,
        [org, frank.user_id, [w1, w2]],
      );
      expect(rows).toEqual([]);
    });
  });
});
