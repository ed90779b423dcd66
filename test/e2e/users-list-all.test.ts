import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { addMember, expectUserObject, seedAdmin, seedOrg, seedWorkspace } from './users.fixtures.js';

interface Listed {
  user_id: string;
  created_at: string;
  is_active: boolean;
  roles: string[];
}

/** GET /v1/users without workspace_id: every user, for a platform admin only. */
describe('GET /v1/users without a workspace (platform admin)', () => {
  let t: TestApp;
  let admin: SeedUser;
  let plain: SeedUser;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
    admin = await seedAdmin(t.db, { full_name: 'Ada Admin' });
    plain = await seedUser(t.db);
    await t.db.query(
      `INSERT INTO users (email, username, full_name, is_active, roles, created_at)
       SELECT 'every' || i || '@example.com', 'every' || i, 'Everyone ' || i, i % 4 <> 0, CASE WHEN i % 10 = 0 THEN '{admin}'::text[] ELSE '{user}' END,
              timestamptz '2024-01-01T00:00:00Z' + (i / 3) * interval '1 second'
         FROM generate_series(1, 60) AS i`,
    );
  });
  afterAll(() => t?.close());

  const list = (who: SeedUser, query: Record<string, string | number | boolean>) => t.http.get('/v1/users').query(query).set(bearer(who.token));

  /** Follows next_cursor to the end; returns every user seen, and the first page's total. */
  async function all(query: Record<string, string | number | boolean>): Promise<{ users: Listed[]; total: number; pages: number }> {
    const users: Listed[] = [];
    let cursor: string | null = null;
    let total = -1;
    let pages = 0;
    do {
      const res = await list(admin, { ...query, limit: 7, ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (total < 0) total = res.body.total;
      users.push(...res.body.users);
      cursor = res.body.next_cursor;
      expect(res.body.has_more).toBe(cursor !== null);
      pages++;
    } while (cursor && pages < 100);
    return { users, total, pages };
  }

  it('lists every user, in (created_at, user_id) order, each once, for a platform admin', async () => {
    const expected: { user_id: string }[] = await t.db.query(`SELECT user_id FROM users ORDER BY created_at, user_id`);
    const { users, total, pages } = await all({});
    expect(users.map((u) => u.user_id)).toEqual(expected.map((r) => r.user_id));
    expect(total).toBe(expected.length);
    expect(pages).toBe(Math.ceil(expected.length / 7));
    const first = await list(admin, { limit: 1 });
    expect(Object.keys(first.body)).toEqual(['total', 'has_more', 'next_cursor', 'users']);
    expectUserObject(first.body.users[0]);
  });

  it('filters by is_active and platform role, with search, and pages through the matches', async () => {
    const count = async (where: string) => Number((await t.db.query(`SELECT count(*) FROM users WHERE ${where}`))[0].count);
    const inactive = await all({ is_active: false });
    expect(inactive.users.length).toBe(await count('NOT is_active'));
    expect(inactive.users.length).toBeGreaterThan(7);
    expect(inactive.users.every((u) => !u.is_active)).toBe(true);
    const admins = await all({ role: 'admin' });
    expect(admins.users.map((u) => u.user_id)).toContain(admin.user_id);
    expect(admins.users.length).toBe(await count(`'admin' = ANY(roles)`));
    expect(admins.users.every((u) => u.roles[0] === 'admin')).toBe(true);
    const activeUsers = await all({ role: 'user', is_active: 'yes' });
    expect(activeUsers.users.length).toBe(await count(`is_active AND NOT 'admin' = ANY(roles)`));
    expect(activeUsers.users.every((u) => u.is_active && u.roles[0] === 'user')).toBe(true);
    const searched = await all({ search: 'EVERYONE 1', is_active: true });
    // Everyone 1, 10–19 (active ones only: every fourth is disabled).
    expect(searched.users.length).toBe(await count(`full_name LIKE 'Everyone 1%' AND is_active`));
    expect(searched.total).toBe(searched.users.length);
    expect((await all({ search: 'ada admin' })).users.map((u) => u.user_id)).toEqual([admin.user_id]);
  });

  it('binds a cursor to its filters and validates them (bool_parsing, enum)', async () => {
    const page = await list(admin, { is_active: true, limit: 2 });
    const cursor = page.body.next_cursor;
    for (const other of [{ is_active: false }, {}, { is_active: true, role: 'user' }]) {
      const res = await list(admin, { ...other, limit: 2, cursor });
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'cursor'] });
    }
    const bad = await list(admin, { is_active: 'maybe', role: 'root' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toEqual([
      { type: 'bool_parsing', loc: ['query', 'is_active'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
      { type: 'enum', loc: ['query', 'role'], msg: "Input should be 'admin' or 'user'", input: 'root', ctx: { expected: "'admin' or 'user'" } },
    ]);
  });

  it('stays 422 missing workspace_id for anyone else, reported with the other problems', async () => {
    const res = await list(plain, { limit: 500 });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { type: 'missing', loc: ['query', 'workspace_id'], msg: 'Field required', input: null },
      { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', input: '500', ctx: { le: 200 } },
    ]);
    expect((await list(plain, { role: 'admin' })).status).toBe(422);
  });

  it('applies the same filters to the members of a workspace', async () => {
    const org = await seedOrg(t.db);
    const ws = await seedWorkspace(t.db, org);
    const members = await Promise.all([true, false, false].map((is_active) => seedUser(t.db, { is_active })));
    for (const m of members) await addMember(t.db, ws, m.user_id);
    const res = await list(admin, { workspace_id: ws, is_active: false });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.users.map((u: Listed) => u.user_id).sort()).toEqual(members.slice(1).map((m) => m.user_id).sort());
    expect((await list(admin, { workspace_id: ws, role: 'admin' })).body).toMatchObject({ total: 0, users: [] });
  });

  it('caps the total of a long list at 1000 and still pages past it', async () => {
    await t.db.query(`INSERT INTO users (email, username) SELECT 'many' || i || '@example.com', 'many' || i FROM generate_series(1, 1100) AS i`);
    const first = await list(admin, { limit: 200 });
    expect(first.body.total).toBe(1000);
    expect(first.body.has_more).toBe(true);
    const byIndex = await list(admin, { search: 'many1', limit: 5 });
    expect(byIndex.body.total).toBe(Number((await t.db.query(`SELECT count(*) FROM users WHERE username LIKE 'many1%'`))[0].count));
  });
});
