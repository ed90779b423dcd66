import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type TestApp } from '../support/app.js';
import { bulkMembers, insertOrg, insertWorkspace, setWorkspaceRole } from './access-fixtures.js';

describe('listing workspace members: paging, filters, search', () => {
  let t: TestApp;
  let orgId: string;
  let workspaceId: string;
  let token: string;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp();
    orgId = await insertOrg(t.db);
    workspaceId = await insertWorkspace(t.db, orgId);
    const owner = await seedUser(t.db);
    await setWorkspaceRole(t.db, workspaceId, owner.user_id, 'owner');
    token = owner.token;
    url = `/v1/orgs/${orgId}/workspaces/${workspaceId}/members`;
  });
  afterAll(() => t.close());

  const get = (query: Record<string, string | number> = {}) => t.http.get(url).query(query).set(bearer(token));

  it('answers the reference shape {members, total} without paging parameters', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['members', 'total']);
    expect(res.body.total).toBe(1);
    expect(res.body.members[0].role).toBe('owner');
  });

  it('adds has_more and next_cursor as soon as a paging or filter parameter is given', async () => {
    for (const query of [{ limit: 10 }, { role: 'owner' }, { search: 'x' }]) {
      const res = await get(query);
      expect(Object.keys(res.body), JSON.stringify(query)).toEqual(['members', 'total', 'has_more', 'next_cursor']);
      expect(res.body.has_more).toBe(false);
      expect(res.body.next_cursor).toBeNull();
    }
  });

  it('validates the query: limit bounds, role enum', async () => {
    const res = await get({ limit: 500, role: 'boss' });
    expect(res.status).toBe(422);
    const byField = Object.fromEntries(res.body.detail.map((d: { loc: string[] }) => [d.loc[1], d]));
    expect(res.body.detail).toHaveLength(2);
    expect(byField.limit).toMatchObject({ type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', ctx: { le: 200 } });
    expect(byField.role).toEqual({
      type: 'enum', loc: ['query', 'role'], msg: "Input should be 'owner', 'admin', 'member' or 'viewer'", input: 'boss',
      ctx: { expected: "'owner', 'admin', 'member' or 'viewer'" },
    });
    const zero = await get({ limit: 0 });
    expect(zero.body.detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['query', 'limit'], ctx: { ge: 1 } });
    const text = await get({ limit: 'ten' });
    expect(text.body.detail[0]).toMatchObject({ type: 'int_parsing', loc: ['query', 'limit'], input: 'ten' });
  });

  describe('with a few hundred members', () => {
    let bulk: string[];
    beforeAll(async () => {
      bulk = await bulkMembers(t.db, workspaceId, 300, 'member', 'pg');
    });

    it('pages through every member exactly once while members join and leave between pages', async () => {
      const steady = new Set(bulk.filter((_, i) => i % 10 !== 3));
      const leaving = bulk.filter((_, i) => i % 10 === 3);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await get({ limit: 37, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        seen.push(...res.body.members.map((m: { user_id: string }) => m.user_id));
        expect(res.body.members.length).toBeLessThanOrEqual(37);
        cursor = res.body.next_cursor ?? undefined;
        expect(res.body.has_more).toBe(cursor !== undefined);
        pages++;
        // Between pages: someone leaves (possibly from a page already seen or still ahead), someone joins.
        const gone = leaving.shift();
        if (gone) await t.db.query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, gone]);
        await bulkMembers(t.db, workspaceId, 2, 'viewer', `late${pages}`);
        } while (cursor && pages < 100);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of steady) expect(seen).toContain(id);
      expect(pages).toBeGreaterThanOrEqual(9);
    });

    it('counts every match in total, not only the page', async () => {
      const [{ count }] = await t.db.query(`SELECT count(*)::int FROM workspace_members WHERE workspace_id = $1`, [workspaceId]);
      const res = await get({ limit: 5 });
      expect(res.body.members).toHaveLength(5);
      expect(res.body.total).toBe(count);
      const viewers = await get({ role: 'viewer', limit: 5 });
      const [{ count: viewerCount }] = await t.db.query(`SELECT count(*)::int FROM workspace_members WHERE workspace_id = $1 AND role = 'viewer'`, [workspaceId]);
      expect(viewers.body.total).toBe(viewerCount);
      expect(viewers.body.members.every((m: { role: string }) => m.role === 'viewer')).toBe(true);
    });

    it('refuses a tampered cursor and a cursor from another query with 422 at query.cursor', async () => {
      const first = await get({ limit: 10 });
      const cursor: string = first.body.next_cursor;
      const [payload, signature] = cursor.split('.');
      const forged = Buffer.from(JSON.stringify({ p: ['1970-01-01T00:00:00.000Z', bulk[0]], s: 'x' })).toString('base64url');
      const attempts: Record<string, string | number>[] = [
        { cursor: `${forged}.${signature}` },
        { cursor: `${payload}.${signature.slice(0, -2)}aa` },
        { cursor: 'garbage' },
        { cursor, role: 'member' },
        { cursor, search: 'pg' },
      ];
      for (const query of attempts) {
        const res = await get(query);
        expect(res.status, JSON.stringify(query)).toBe(422);
        expect(res.body.detail).toHaveLength(1);
        expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'cursor'], input: query.cursor });
        expect(res.body.detail[0].msg).toMatch(/^Value error, /);
      }
      const otherWorkspace = await insertWorkspace(t.db, orgId);
      const owner = await seedUser(t.db);
      await setWorkspaceRole(t.db, otherWorkspace, owner.user_id, 'owner');
      const replayed = await t.http.get(`/v1/orgs/${orgId}/workspaces/${otherWorkspace}/members`).query({ cursor }).set(bearer(owner.token));
      expect(replayed.status).toBe(422);
      expect(replayed.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'cursor'] });
      // The same cursor on the same query stays valid: reading a page twice is fine.
      expect((await get({ cursor })).status).toBe(200);
    });

    it('cuts the parameterless list at 1000 members and then says so', async () => {
      await bulkMembers(t.db, workspaceId, 750, 'member', 'cap');
      const res = await get();
      expect(res.body.members).toHaveLength(1000);
      expect(res.body.total).toBeGreaterThan(1000);
      expect(res.body.has_more).toBe(true);
      const rest = await get({ cursor: res.body.next_cursor, limit: 200 });
      expect(rest.status).toBe(200);
      expect(rest.body.members.length).toBe(res.body.total - 1000);
    });
  });

  describe('search', () => {
    const people: Record<string, string> = {};
    let searchUrl: string;
    let searchToken: string;
    beforeAll(async () => {
      const searchWorkspace = await insertWorkspace(t.db, orgId);
      searchUrl = `/v1/orgs/${orgId}/workspaces/${searchWorkspace}/members`;
      const rows: [string, Record<string, string>][] = [
        ['percent', { full_name: '100% Sure', username: 'percent_man', email: 'pc@example.com' }],
        ['underscore', { full_name: 'Under Score', username: 'under_score', email: 'us@example.com' }],
        ['plain', { full_name: 'Undex Scoreless', username: 'underscore', email: 'plain@example.com' }],
        ['quote', { full_name: "O'Brien \"Bob\"", username: 'obrien', email: 'ob@example.com' }],
        ['backslash', { full_name: 'Back\\Slash', username: 'backslash', email: 'bs@example.com' }],
        ['upper', { full_name: 'Zed Émile', username: 'ZED_UPPER', email: 'Zed.Upper@Example.com' }],
      ];
      for (const [key, fields] of rows) {
        const user = await seedUser(t.db, fields);
        people[key] = user.user_id;
        if (key === 'plain') searchToken = user.token;
        await setWorkspaceRole(t.db, searchWorkspace, user.user_id, key === 'plain' ? 'owner' : 'member');
      }
    });

    const ids = async (search: string) => {
      const res = await t.http.get(searchUrl).query({ search, limit: 200 }).set(bearer(searchToken));
      expect(res.status, search).toBe(200);
      expect(res.body.total).toBe(res.body.members.length);
      return res.body.members.map((m: { user_id: string }) => m.user_id).sort();
    };
    const expected = (...keys: string[]) => keys.map((k) => people[k]).sort();

    it('takes % literally', async () => {
      expect(await ids('%')).toEqual(expected('percent'));
      expect(await ids('0% s')).toEqual(expected('percent'));
    });

    it('takes _ literally', async () => {
      expect(await ids('under_')).toEqual(expected('underscore'));
      expect(await ids('_')).toEqual(expected('percent', 'underscore', 'upper'));
    });

    it('matches quotes and backslashes literally', async () => {
      expect(await ids("O'Brien")).toEqual(expected('quote'));
      expect(await ids('"Bob"')).toEqual(expected('quote'));
      expect(await ids('k\\s')).toEqual(expected('backslash'));
      expect(await ids("'; DROP TABLE users; --")).toEqual([]);
    });

    it('is case-insensitive across full name, username and email, and never across two fields', async () => {
      expect(await ids('zed.upper@example')).toEqual(expected('upper'));
      expect(await ids('ZED ÉMILE')).toEqual(expected('upper'));
      expect(await ids('zed_upper')).toEqual(expected('upper'));
      // "Slash" ends the full name and "backslash" starts the username: no match spanning both.
      expect(await ids('slashback')).toEqual([]);
    });

    it('caps a search total at 1000 matches, as the users search does, and still pages through every match', async () => {
      const big = await insertWorkspace(t.db, orgId);
      const owner = await seedUser(t.db);
      await setWorkspaceRole(t.db, big, owner.user_id, 'owner');
      await bulkMembers(t.db, big, 1100, 'member', 'capped');
      const bigUrl = `/v1/orgs/${orgId}/workspaces/${big}/members`;
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const res = await t.http.get(bigUrl).query({ search: 'capped', limit: 200, ...(cursor ? { cursor } : {}) }).set(bearer(owner.token));
        expect(res.body.total).toBe(1000);
        for (const m of res.body.members) seen.add(m.user_id);
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen.size).toBe(1100);
      // Without a search the total is the exact member count, from the maintained counter.
      expect((await t.http.get(bigUrl).query({ limit: 1 }).set(bearer(owner.token))).body.total).toBe(1101);
    });
  });
});
