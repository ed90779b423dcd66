import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorCodec } from '../../dist/common/pagination/cursor.js';
import { cursorScope } from '../../dist/common/pagination/keyset.js';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

const ID = '3f1c2a9e-7b1d-4c1e-9a51-0d2d8f1e2b3c';
const WHEN = '2025-01-01T00:00:00.000Z';

describe('every keyset-paged list: limit, cursor and their documentation', () => {
  let t: TestApp;
  let owner: SeedUser;
  let lists: { name: string; url: string; query: Record<string, string>; scope: string }[];
  beforeAll(async () => {
    t = await createTestApp();
    owner = await seedUser(t.db);
    const other = await seedUser(t.db);
    const org = await insertOrg(t.db);
    await setOrgRole(t.db, await insertOrg(t.db), owner.user_id, 'owner');
    const ws = await insertWorkspace(t.db, org);
    await insertWorkspace(t.db, org);
    await setOrgRole(t.db, org, owner.user_id, 'owner');
    await setWorkspaceRole(t.db, ws, owner.user_id, 'owner');
    await setWorkspaceRole(t.db, ws, other.user_id, 'member');
    // Each list's cursor scope as the service derives it for this caller and these queries.
    lists = [
      { name: 'users', url: '/v1/users', query: { workspace_id: ws }, scope: cursorScope('users', ws, '') },
      { name: 'orgs', url: '/v1/orgs', query: {}, scope: cursorScope('orgs', owner.user_id) },
      { name: 'workspaces', url: `/v1/orgs/${org}/workspaces`, query: {}, scope: cursorScope('workspaces', org, '*') },
      { name: 'org members', url: `/v1/orgs/${org}/members`, query: {}, scope: cursorScope('org_members', org, '', '') },
      { name: 'workspace members', url: `/v1/orgs/${org}/workspaces/${ws}/members`, query: {}, scope: cursorScope('workspace_members', ws, '', '') },
    ];
  });
  afterAll(() => t?.close());

  const get = (list: (typeof lists)[number], query: Record<string, string | number>) =>
    t.http.get(list.url).query({ ...list.query, ...query }).set(bearer(owner.token));

  it('pages each list two rows at a time with limit=1, and reads a signed (created_at, id) position of either case', async () => {
    const codec = t.app.get(CursorCodec);
    for (const list of lists) {
      const first = await get(list, { limit: 1 });
      expect(first.status, list.name).toBe(200);
      expect(first.body).toMatchObject({ total: 2, has_more: true, next_cursor: expect.any(String) });
      const second = await get(list, { limit: 1, cursor: first.body.next_cursor });
      expect(second.body, list.name).toMatchObject({ has_more: false, next_cursor: null });
      const upper = await get(list, { cursor: codec.encode([WHEN, ID.toUpperCase()], list.scope) });
      expect(upper.status, list.name).toBe(200);
    }
  });

  it('refuses on every list a signed cursor whose position is not a (created_at, uuid) pair: 422 value_error at query.cursor', async () => {
    const codec = t.app.get(CursorCodec);
    const positions = [[WHEN], [WHEN, 'not-a-uuid'], ['not a date', ID], [1, ID], [WHEN, ID, 'extra'], []];
    for (const list of lists) {
      for (const position of positions) {
        const cursor = codec.encode(position, list.scope);
        const res = await get(list, { cursor });
        expect(res.status, `${list.name} ${JSON.stringify(position)}`).toBe(422);
        expect(res.body.detail).toEqual([
          { type: 'value_error', loc: ['query', 'cursor'], msg: 'Value error, invalid cursor', input: cursor, ctx: { error: 'invalid cursor' } },
        ]);
      }
    }
  });

  it("refuses a list's cursor on every other list, as belonging to another query", async () => {
    const cursors = await Promise.all(lists.map(async (list) => (await get(list, { limit: 1 })).body.next_cursor as string));
    for (const [i, list] of lists.entries()) {
      for (const [j, cursor] of cursors.entries()) {
        const res = await get(list, { cursor });
        if (i === j) {
          expect(res.status, list.name).toBe(200);
          continue;
        }
        expect(res.status, `${lists[j].name} cursor on ${list.name}`).toBe(422);
        expect(res.body.detail[0]).toMatchObject({ loc: ['query', 'cursor'], ctx: { error: 'cursor does not belong to this query' } });
      }
    }
  });

  it('reads an empty cursor as the first page on the org, workspace and member lists, and refuses it on the users list', async () => {
    for (const list of lists) {
      const res = await get(list, { cursor: '' });
      if (list.name === 'users') {
        expect(res.status).toBe(422);
        expect(res.body.detail).toEqual([
          { type: 'value_error', loc: ['query', 'cursor'], msg: 'Value error, invalid cursor', input: '', ctx: { error: 'invalid cursor' } },
        ]);
      } else {
        expect(res.status, list.name).toBe(200);
        expect(res.body, list.name).toMatchObject({ total: 2, has_more: false, next_cursor: null });
      }
    }
  });

  it('refuses limit 0 and 201 on every list, and a users cursor over 2048 characters as too long', async () => {
    for (const list of lists) {
      for (const limit of ['0', '201']) {
        const res = await get(list, { limit });
        expect(res.status, `${list.name} ${limit}`).toBe(422);
        expect(res.body.detail[0]).toMatchObject({ loc: ['query', 'limit'], input: limit });
      }
    }
    const long = await get(lists[0], { cursor: 'x'.repeat(2049) });
    expect(long.body.detail[0]).toMatchObject({ type: 'string_too_long', loc: ['query', 'cursor'], ctx: { max_length: 2048 } });
  });

  it('documents limit and cursor of each list where and as it always has', async () => {
    const document = (await t.http.get('/openapi.json')).body;
    const query = (path: string) => document.paths[path].get.parameters.filter((p: any) => p.in === 'query');
    const names = (path: string) => query(path).map((p: any) => p.name);
    expect(names('/v1/users')).toEqual(['workspace_id', 'search', 'limit', 'cursor', 'is_active', 'role']);
    expect(names('/v1/orgs')).toEqual(['limit', 'cursor']);
    expect(names('/v1/orgs/{org_id}/workspaces')).toEqual(['limit', 'cursor']);
    expect(names('/v1/orgs/{org_id}/members')).toEqual(['limit', 'role', 'search', 'cursor']);
    expect(names('/v1/orgs/{org_id}/workspaces/{workspace_id}/members')).toEqual(['limit', 'role', 'search', 'cursor']);
    const users = Object.fromEntries(query('/v1/users').map((p: any) => [p.name, p]));
    expect(users.limit).toEqual({
      name: 'limit', required: false, in: 'query', description: 'Maximum number of items to return (1-200)',
      schema: { minimum: 1, maximum: 200, default: 50, type: 'integer' },
    });
    expect(users.cursor).toEqual({
      name: 'cursor', required: false, in: 'query', description: "Cursor for pagination (from previous response's next_cursor)",
      schema: { maxLength: 2048, type: 'string' },
    });
    for (const path of ['/v1/orgs', '/v1/orgs/{org_id}/workspaces', '/v1/orgs/{org_id}/members', '/v1/orgs/{org_id}/workspaces/{workspace_id}/members']) {
      const byName = Object.fromEntries(query(path).map((p: any) => [p.name, p]));
      expect(byName.limit, path).toEqual({
        name: 'limit', required: false, in: 'query', description: 'Page size, 1–200 (default 50).', schema: { minimum: 1, maximum: 200, type: 'integer' },
      });
      expect(byName.cursor, path).toEqual({
        name: 'cursor', required: false, in: 'query', description: "Opaque cursor from the previous page's `next_cursor`.", schema: { type: 'string' },
      });
    }
  });
});
