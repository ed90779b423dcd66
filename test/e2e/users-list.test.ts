import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { addMember, addOrgMember, expectUserObject, seedAdmin, seedOrg, seedWorkspace } from './users.fixtures.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('workspace-scoped users: list, get with workspace_id, delete and the last owner', () => {
  let t: TestApp;
  let admin: SeedUser;
  let viewer: SeedUser;
  let outsider: SeedUser;
  let orgOnly: SeedUser;
  let org: string;
  let ws: string;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
    admin = await seedAdmin(t.db);
    viewer = await seedUser(t.db, { full_name: 'Vera Viewer' });
    outsider = await seedUser(t.db);
    orgOnly = await seedUser(t.db);
    org = await seedOrg(t.db);
    ws = await seedWorkspace(t.db, org);
    await addOrgMember(t.db, org, viewer.user_id);
    await addOrgMember(t.db, org, orgOnly.user_id);
    await addMember(t.db, ws, viewer.user_id, 'viewer');
  });
  afterAll(() => t?.close());

  const list = (who: SeedUser, query: Record<string, string | number>) =>
    t.http.get('/v1/users').query(query).set(bearer(who.token));

  /** A workspace with `n` members created directly, `ties` of them sharing each created_at. */
  async function seedMembers(workspaceId: string, n: number, prefix: string, ties = 3): Promise<string[]> {
    const rows = await t.db.query(
      `INSERT INTO users (email, username, full_name, created_at)
       SELECT $1 || i || '@example.com', $1 || i, 'Member ' || i, timestamptz '2024-01-01T00:00:00Z' + (i / $3) * interval '1 second'
         FROM generate_series(1, $2) AS i
       RETURNING user_id`,
      [prefix, n, ties],
    );
    const ids = rows.map((r: { user_id: string }) => r.user_id);
    await t.db.query(
      `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at)
       SELECT $1, user_id, 'member', created_at FROM users WHERE user_id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    return ids;
  }

  describe('GET /v1/users', () => {
    it('requires workspace_id (422 missing) and validates limit', async () => {
      const res = await list(viewer, {});
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([{ type: 'missing', loc: ['query', 'workspace_id'], msg: 'Field required', input: null }]);
      for (const [limit, type] of [[0, 'greater_than_equal'], [201, 'less_than_equal'], ['ten', 'int_parsing']] as const) {
        const bad = await list(viewer, { workspace_id: ws, limit });
        expect(bad.status).toBe(422);
        expect(bad.body.detail[0]).toMatchObject({ type, loc: ['query', 'limit'] });
      }
      const malformed = await list(viewer, { workspace_id: 'nope' });
      expect(malformed.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['query', 'workspace_id'] });
    });

    it('answers 404 workspace for a workspace that does not exist or whose org the caller is not in', async () => {
      for (const [who, id] of [[viewer, MISSING_ID], [outsider, ws]] as const) {
        const res = await list(who, { workspace_id: id });
        expect(res.status).toBe(404);
        expect(res.body.details).toEqual({ resource_type: 'workspace', resource_id: id });
      }
      expect((await t.http.get('/v1/users').query({ workspace_id: ws })).status).toBe(401);
    });

    it('answers 403 users:read to a member of the org who is not in the workspace', async () => {
      const res = await list(orgOnly, { workspace_id: ws });
      expect(res.status).toBe(403);
      expectErrorShape(res.body, 403, 'FORBIDDEN');
      expect(res.body.details).toEqual({ required_permission: 'users:read' });
    });

    it('lists only the members, as reference user objects, for any member and a platform admin', async () => {
      const other = await seedWorkspace(t.db, org);
      const elsewhere = await seedUser(t.db);
      await addMember(t.db, other, elsewhere.user_id);
      for (const who of [viewer, admin]) {
        const res = await list(who, { workspace_id: ws });
        expect(res.status).toBe(200);
        expect(Object.keys(res.body)).toEqual(['total', 'has_more', 'next_cursor', 'users']);
        expect(res.body).toMatchObject({ total: 1, has_more: false, next_cursor: null });
        expect(res.body.users).toHaveLength(1);
        expectUserObject(res.body.users[0], { user_id: viewer.user_id, full_name: 'Vera Viewer' });
      }
    });

    it('pages a few hundred members by keyset with inserts and deletes between pages: no duplicate, no skip', async () => {
      const pagedWs = await seedWorkspace(t.db, org);
      await addMember(t.db, pagedWs, viewer.user_id, 'viewer');
      const ids = await seedMembers(pagedWs, 300, `page${Date.now()}_`);
      const all = [viewer.user_id, ...ids];
      const first = await list(viewer, { workspace_id: pagedWs });
      expect(first.body.users).toHaveLength(50);
      expect(first.body.total).toBe(301);

      const seen: string[] = [];
      const deleted = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      let inserted = 0;
      do {
        const res = await list(viewer, { workspace_id: pagedWs, limit: 37, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        seen.push(...res.body.users.map((u: any) => u.user_id));
        // Order is (created_at, user_id), strictly increasing.
        const keys = res.body.users.map((u: any) => `${u.created_at}|${u.user_id}`);
        expect([...keys].sort()).toEqual(keys);
        cursor = res.body.next_cursor;
        expect(res.body.has_more).toBe(cursor !== null);
        pages++;
        // Churn between pages: new members at both ends, and deletions of unseen and seen members.
        const fresh = await seedMembers(pagedWs, 2, `churn${pages}_${Date.now()}_`, 1);
        inserted += fresh.length;
        const unseen = all.filter((id) => !seen.includes(id) && !deleted.has(id));
        const victims = [unseen[unseen.length - 1], seen[0]].filter((id) => id && !deleted.has(id) && id !== viewer.user_id);
        for (const id of victims) {
          await t.db.query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [pagedWs, id]);
          deleted.add(id);
        }
      } while (cursor && pages < 50);

      expect(new Set(seen).size).toBe(seen.length);
      const survivors = all.filter((id) => !deleted.has(id));
      for (const id of survivors) expect(seen).toContain(id);
      expect(pages).toBeGreaterThan(6);
      // total follows the member count the trigger maintains.
      const last = await list(viewer, { workspace_id: pagedWs, limit: 1 });
      expect(last.body.total).toBe(301 + inserted - deleted.size);
    });

    it('refuses a tampered, malformed or foreign cursor (422 value_error at query.cursor)', async () => {
      const cursorWs = await seedWorkspace(t.db, org);
      await addMember(t.db, cursorWs, viewer.user_id, 'viewer');
      await seedMembers(cursorWs, 10, `cur${Date.now()}_`);
      const page = await list(viewer, { workspace_id: cursorWs, limit: 3 });
      const cursor: string = page.body.next_cursor;
      expect(cursor).toEqual(expect.any(String));
      const [payload, signature] = cursor.split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: ['2000-01-01T00:00:00.000Z', MISSING_ID] })).toString('base64url');
      const attempts: Record<string, string>[] = [
        { workspace_id: cursorWs, cursor: `${forged}.${signature}` },
        { workspace_id: cursorWs, cursor: `${payload}.${signature.slice(0, -2)}xx` },
        { workspace_id: cursorWs, cursor: 'garbage' },
        { workspace_id: cursorWs, cursor: '' },
        // Reused on another query: other workspace, or other search.
        { workspace_id: ws, cursor },
        { workspace_id: cursorWs, cursor, search: 'member' },
      ];
      for (const query of attempts) {
        const res = await list(viewer, query);
        expect(res.status, JSON.stringify(query)).toBe(422);
        expect(res.body.detail).toHaveLength(1);
        expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'cursor'], input: query.cursor });
        expect(res.body.detail[0].msg).toMatch(/^Value error, /);
      }
      // The genuine cursor still works, with another limit too.
      expect((await list(viewer, { workspace_id: cursorWs, cursor, limit: 5 })).status).toBe(200);
    });

    it('searches a case-insensitive substring of name, username or email, with % _ \\ and quotes literal', async () => {
      const searchWs = await seedWorkspace(t.db, org);
      await addMember(t.db, searchWs, viewer.user_id, 'viewer');
      const people: Record<string, SeedUser> = {};
      const specs: [string, Record<string, unknown>][] = [
        ['percent', { full_name: 'Ann 100% Real' }],
        ['percentDecoy', { full_name: 'Ann 100X Real' }],
        ['under', { username: `under_score_${Date.now()}` }],
        ['underDecoy', { username: `underXscore_${Date.now()}` }],
        ['backslash', { full_name: 'back\\slash' }],
        ['backslashDecoy', { full_name: 'backslash' }],
        ['quote', { full_name: "Miles O'Brien" }],
        ['dquote', { full_name: 'The "Quoted" One' }],
        ['email', { email: `zed.${Date.now()}@Searchable-Domain.test` }],
        ['accent', { full_name: 'ÉLODIE Ünal' }],
        ['span', { full_name: 'Spike Alpha', username: `beta_span_${Date.now()}` }],
      ];
      for (const [name, fields] of specs) {
        people[name] = await seedUser(t.db, fields);
        await addMember(t.db, searchWs, people[name].user_id);
      }
      const outside = await seedUser(t.db, { full_name: 'Ann 100% Real' });
      void outside;
      const find = async (search: string) => {
        const res = await list(viewer, { workspace_id: searchWs, search });
        expect(res.status, search).toBe(200);
        expect(res.body.total, search).toBe(res.body.users.length);
        return res.body.users.map((u: any) => u.user_id).sort();
      };
      const ids = (...names: string[]) => names.map((n) => people[n].user_id).sort();
      expect(await find('100%')).toEqual(ids('percent'));
      expect(await find('%')).toEqual(ids('percent'));
      expect(await find('ANN 100')).toEqual(ids('percent', 'percentDecoy'));
      expect(await find('under_')).toEqual(ids('under'));
      expect(await find('r_s')).toEqual(ids('under'));
      expect(await find('k\\s')).toEqual(ids('backslash'));
      expect(await find("o'brien")).toEqual(ids('quote'));
      expect(await find('"quoted"')).toEqual(ids('dquote'));
      expect(await find('searchable-DOMAIN')).toEqual(ids('email'));
      expect(await find('no such person')).toEqual([]);
      expect(await find('élodie ü')).toEqual(ids('accent'));
      // Fields are searched one by one: a term never matches across the end of one and the next.
      expect(await find('alpha')).toEqual(ids('span'));
      expect(await find('alphabeta')).toEqual([]);
      expect(await find('alpha\u0001beta')).toEqual([]);
      // Search pages and totals: total counts all matches, not just the page.
      const paged = await list(viewer, { workspace_id: searchWs, search: 'ann', limit: 1 });
      expect(paged.body).toMatchObject({ total: 2, has_more: true });
      const next = await list(viewer, { workspace_id: searchWs, search: 'ann', limit: 1, cursor: paged.body.next_cursor });
      expect(next.body).toMatchObject({ total: 2, has_more: false, next_cursor: null });
      expect(next.body.users[0].user_id).not.toBe(paged.body.users[0].user_id);
    });
  });

  it('sets nothing per session on its connections (the pool may be PgBouncer in transaction mode)', async () => {
    const rows = await t.db.query(`SELECT name FROM pg_settings WHERE source IN ('client', 'session') AND name NOT IN ('application_name', 'client_encoding', 'DateStyle', 'TimeZone', 'extra_float_digits', 'intervalstyle')`);
    expect(rows).toEqual([]);
  });

  describe('GET /v1/users/{user_id}?workspace_id=', () => {
    it('needs users:read in the workspace and the target to be a member of it', async () => {
      const member = await seedUser(t.db);
      const notMember = await seedUser(t.db);
      await addMember(t.db, ws, member.user_id);
      // A shared org is not a shared workspace.
      await addOrgMember(t.db, org, notMember.user_id);

      const ok = await t.http.get(`/v1/users/${member.user_id}`).query({ workspace_id: ws }).set(bearer(viewer.token));
      expect(ok.status).toBe(200);
      expectUserObject(ok.body, { user_id: member.user_id });
      expect((await t.http.get(`/v1/users/${member.user_id}`).query({ workspace_id: ws }).set(bearer(admin.token))).status).toBe(200);

      const cases: [SeedUser, string, string, string][] = [
        [viewer, notMember.user_id, ws, 'user'],
        [viewer, MISSING_ID, ws, 'user'],
        [admin, notMember.user_id, ws, 'user'],
        [outsider, member.user_id, ws, 'workspace'],
        [viewer, member.user_id, MISSING_ID, 'workspace'],
      ];
      for (const [who, target, workspace, type] of cases) {
        const res = await t.http.get(`/v1/users/${target}`).query({ workspace_id: workspace }).set(bearer(who.token));
        expect(res.status).toBe(404);
        expect(res.body.details).toEqual({ resource_type: type, resource_id: type === 'user' ? target : workspace });
      }
      const forbidden = await t.http.get(`/v1/users/${member.user_id}`).query({ workspace_id: ws }).set(bearer(orgOnly.token));
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.details).toEqual({ required_permission: 'users:read' });
      const malformed = await t.http.get(`/v1/users/${member.user_id}`).query({ workspace_id: 'x' }).set(bearer(viewer.token));
      expect(malformed.status).toBe(422);
      expect(malformed.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['query', 'workspace_id'] });
    });
  });

  describe('DELETE /v1/users/{user_id} and the last owner', () => {
    it('refuses the last owner of a workspace or org (409 listing them, nothing deleted), then allows it after a transfer', async () => {
      const owner = await seedUser(t.db);
      const heir = await seedUser(t.db);
      const ownOrg = await seedOrg(t.db, owner.user_id);
      const soleWs = await seedWorkspace(t.db, ownOrg);
      const sharedWs = await seedWorkspace(t.db, ownOrg);
      await addMember(t.db, soleWs, owner.user_id, 'owner');
      await addMember(t.db, sharedWs, owner.user_id, 'owner');
      await addMember(t.db, sharedWs, heir.user_id, 'owner');
      await addMember(t.db, soleWs, heir.user_id, 'admin');

      for (const who of [owner, admin]) {
        const res = await t.http.delete(`/v1/users/${owner.user_id}`).set(bearer(who.token));
        expect(res.status).toBe(409);
        expect(res.body.error).toBe('RESOURCE_CONFLICT');
        expect(res.body.details).toEqual({ reason: 'last_owner', workspace_ids: [soleWs], org_ids: [ownOrg] });
      }
      const memberships = await t.db.query(`SELECT workspace_id FROM workspace_members WHERE user_id = $1 ORDER BY workspace_id`, [owner.user_id]);
      expect(memberships).toHaveLength(2);
      expect((await t.http.get('/v1/users/me').set(bearer(owner.token))).status).toBe(200);

      // Transfer the workspace only: the org is still in the way.
      await t.db.query(`UPDATE workspace_members SET role = 'owner' WHERE workspace_id = $1 AND user_id = $2`, [soleWs, heir.user_id]);
      const orgOnlyConflict = await t.http.delete(`/v1/users/${owner.user_id}`).set(bearer(owner.token));
      expect(orgOnlyConflict.body.details).toEqual({ reason: 'last_owner', workspace_ids: [], org_ids: [ownOrg] });

      await addOrgMember(t.db, ownOrg, heir.user_id, 'owner');
      expect((await t.http.delete(`/v1/users/${owner.user_id}`).set(bearer(owner.token))).status).toBe(204);
      expect(await t.db.query(`SELECT 1 FROM workspace_members WHERE user_id = $1 UNION ALL SELECT 1 FROM org_members WHERE user_id = $1`, [owner.user_id])).toEqual([]);
    });

    it('never leaves a workspace without an owner when its two owners race (delete one, demote the other)', async () => {
      for (let round = 0; round < 10; round++) {
        const a = await seedUser(t.db);
        const b = await seedUser(t.db);
        const raceOrg = await seedOrg(t.db);
        await addOrgMember(t.db, raceOrg, a.user_id, 'owner');
        await addOrgMember(t.db, raceOrg, b.user_id, 'owner');
        const raceWs = await seedWorkspace(t.db, raceOrg);
        await addMember(t.db, raceWs, a.user_id, 'owner');
        await addMember(t.db, raceWs, b.user_id, 'owner');
        // The demotion the members service performs: lock the owner rows, count, then change.
        const demoteB = t.db.transaction(async (em) => {
          const owners = await em.query(`SELECT user_id FROM workspace_members WHERE workspace_id = $1 AND role = 'owner' ORDER BY user_id FOR UPDATE`, [raceWs]);
          if (owners.length < 2) return 'refused';
          await em.query(`UPDATE workspace_members SET role = 'member' WHERE workspace_id = $1 AND user_id = $2`, [raceWs, b.user_id]);
          return 'demoted';
        });
        const [deleted, demoted] = await Promise.all([t.http.delete(`/v1/users/${a.user_id}`).set(bearer(a.token)), demoteB]);
        const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [raceWs]);
        expect(n, `round ${round}: delete ${deleted.status}, ${demoted}`).toBeGreaterThanOrEqual(1);
        expect([204, 409]).toContain(deleted.status);
        expect(deleted.status === 204 ? demoted === 'refused' : demoted === 'demoted').toBe(true);
      }
    });
  });
});
