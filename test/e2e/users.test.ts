import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../dist/users/users.service.js';
import { SYSTEM_CONTEXT } from '../../dist/common/request-context.js';
import { bearer, createTestApp, expectErrorShape, recordQueries, seedUser, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { addMember, expectUserObject, seedAdmin, seedOrg, seedWorkspace } from './users.fixtures.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const unique = () => randomBytes(5).toString('hex');

describe('users', () => {
  let t: TestApp;
  let admin: SeedUser;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
    admin = await seedAdmin(t.db);
  });
  afterAll(() => t?.close());

  const as = (who: SeedUser) => ({
    get: (path: string) => t.http.get(path).set(bearer(who.token)),
    post: (path: string, body?: object) => t.http.post(path).set(bearer(who.token)).send(body),
    put: (path: string, body?: object) => t.http.put(path).set(bearer(who.token)).send(body),
    patch: (path: string, body?: object) => t.http.patch(path).set(bearer(who.token)).send(body),
    delete: (path: string) => t.http.delete(path).set(bearer(who.token)),
  });
  const login = async (login: string, password: string) => t.http.post('/v1/auth/login').send({ login, password });

  describe('POST /v1/users', () => {
    it('creates a user (201) with every field, and the body is the reference user object', async () => {
      const name = unique();
      const body = {
        email: `New.${name}@Example.COM`,
        username: `New.${name}`,
        password: 'a-long-password',
        full_name: 'New Person',
        avatar_url: 'https://cdn.example.com/a.png',
        bio: 'Hello',
        timezone: 'Europe/Paris',
        locale: 'fr-FR',
        preferences: { theme: 'dark', nested: { a: 1 } },
        settings: { beta: true },
        // Read-only and unknown fields are ignored.
        user_id: MISSING_ID,
        auth_provider: 'google',
        created_at: '2000-01-01T00:00:00Z',
        password_hash: 'x',
        shoe_size: 44,
      };
      const res = await as(admin).post('/v1/users', body);
      expect(res.status).toBe(201);
      expectUserObject(res.body, {
        email: `new.${name}@example.com`,
        username: `New.${name}`,
        full_name: 'New Person',
        auth_provider: 'local',
        is_active: true,
        is_verified: false,
        roles: ['user'],
        avatar_url: 'https://cdn.example.com/a.png',
        bio: 'Hello',
        timezone: 'Europe/Paris',
        locale: 'fr-FR',
        preferences: { theme: 'dark', nested: { a: 1 } },
        settings: { beta: true },
        last_login: null,
        default_workspace_id: null,
      });
      expect(res.body.user_id).not.toBe(MISSING_ID);
      expect(res.body.created_at).toBe(res.body.updated_at);
      const [row] = await t.db.query(`SELECT password_hash, to_jsonb(users) ? 'shoe_size' AS leaked FROM users WHERE user_id = $1`, [res.body.user_id]);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.leaked).toBe(false);
      expect((await login(`new.${name}@example.com`, 'a-long-password')).status).toBe(200);
    });

    it('creates with only the required fields, and an admin may set roles and flags', async () => {
      const name = unique();
      const res = await as(admin).post('/v1/users', { email: `${name}@example.com`, username: name, password: 'password1', roles: ['admin'], is_verified: true });
      expect(res.status).toBe(201);
      expectUserObject(res.body, { full_name: null, bio: null, preferences: {}, settings: {}, roles: ['admin'], is_verified: true });
    });

    it('is for platform admins only: 403 users:create, before the body is even looked at', async () => {
      const user = await seedUser(t.db);
      const res = await as(user).post('/v1/users', { nonsense: true });
      expect(res.status).toBe(403);
      expectErrorShape(res.body, 403, 'FORBIDDEN');
      expect(res.body.details).toEqual({ required_permission: 'users:create' });
      expect((await t.http.post('/v1/users').send({})).status).toBe(401);
    });

    it('answers 409 on a duplicate email or username, case-insensitively', async () => {
      const u = await seedUser(t.db);
      const dupEmail = await as(admin).post('/v1/users', { email: u.email.toUpperCase(), username: `x${unique()}`, password: 'password1' });
      expect(dupEmail.status).toBe(409);
      expectErrorShape(dupEmail.body, 409, 'RESOURCE_CONFLICT');
      expect(dupEmail.body.details).toEqual({ resource_type: 'user', field: 'email' });
      expect(dupEmail.body.message).toBe('A user with this email already exists');
      const dupName = await as(admin).post('/v1/users', { email: `${unique()}@example.com`, username: u.username.toUpperCase(), password: 'password1' });
      expect(dupName.status).toBe(409);
      expect(dupName.body.details).toEqual({ resource_type: 'user', field: 'username' });
    });

    it('gives exactly one 201 and 409s to a race of identical creates, never a 500', async () => {
      const name = unique();
      const body = { email: `race.${name}@example.com`, username: `race_${name}`, password: 'password1' };
      const results = await Promise.all(Array.from({ length: 8 }, () => as(admin).post('/v1/users', body)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(['email', 'username']).toContain(r.body.details.field);
      // Same email, different case, other username: also one winner.
      const mixed = await Promise.all([
        as(admin).post('/v1/users', { email: `mix.${name}@example.com`, username: `mix_a_${name}`, password: 'password1' }),
        as(admin).post('/v1/users', { email: `MIX.${name}@EXAMPLE.com`, username: `mix_b_${name}`, password: 'password1' }),
      ]);
      expect(mixed.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(mixed.find((r) => r.status === 409)!.body.details).toEqual({ resource_type: 'user', field: 'email' });
    });

    it('validates every field with the pydantic error types, all problems at once', async () => {
      const res = await as(admin).post('/v1/users', {
        email: 'not-an-email',
        username: 'a b',
        password: 'short',
        full_name: 'x'.repeat(101),
        bio: 'x'.repeat(1001),
        avatar_url: 'ftp://example.com/a.png',
        timezone: 'Mars/Olympus',
        locale: 'not a locale!',
        preferences: ['a'],
        settings: { big: 'x'.repeat(16 * 1024) },
        roles: ['owner'],
        is_active: 'maybe',
      });
      expect(res.status).toBe(422);
      const byField = Object.fromEntries(res.body.detail.map((d: any) => [d.loc[1], d]));
      expect(Object.keys(byField).sort()).toEqual(
        ['avatar_url', 'bio', 'email', 'full_name', 'is_active', 'locale', 'password', 'preferences', 'roles', 'settings', 'timezone', 'username'].sort(),
      );
      for (const d of res.body.detail) expect(d.loc[0]).toBe('body');
      expect(byField.email).toMatchObject({ type: 'value_error', input: 'not-an-email' });
      expect(byField.email.msg).toMatch(/^Value error, /);
      expect(byField.username).toMatchObject({ type: 'string_pattern_mismatch', ctx: { pattern: '^[a-zA-Z0-9_.-]+$' } });
      expect(byField.password).toMatchObject({ type: 'string_too_short', ctx: { min_length: 8 }, input: '**********' });
      expect(byField.full_name).toMatchObject({ type: 'string_too_long', ctx: { max_length: 100 } });
      expect(byField.bio).toMatchObject({ type: 'string_too_long', ctx: { max_length: 1000 } });
      expect(byField.avatar_url.type).toBe('url_scheme');
      expect(byField.timezone).toMatchObject({ type: 'value_error' });
      expect(byField.locale).toMatchObject({ type: 'value_error' });
      expect(byField.preferences).toMatchObject({ type: 'dict_type' });
      expect(byField.settings).toMatchObject({ type: 'value_error' });
      expect(byField.roles).toMatchObject({ type: 'enum' });
      expect(byField.is_active).toMatchObject({ type: 'bool_parsing' });
      expect(JSON.stringify(res.body)).not.toContain('"input":"short"');
    });

    it('reports missing required fields with the enclosing object as input', async () => {
      const res = await as(admin).post('/v1/users', { username: 'abc', password: 'password1' });
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([{ type: 'missing', loc: ['body', 'email'], msg: 'Field required', input: { username: 'abc', password: '**********' } }]);
      const lengths = await as(admin).post('/v1/users', { email: 'a@example.com', username: 'ab', password: 'p'.repeat(129) });
      const types = lengths.body.detail.map((d: any) => [d.loc[1], d.type, d.ctx]);
      expect(types).toEqual([
        ['username', 'string_too_short', { min_length: 3 }],
        ['password', 'string_too_long', { max_length: 128 }],
      ]);
    });
  });

  describe('GET /v1/users/me and /v1/users/{user_id}', () => {
    it('/me answers the caller from the row the guard loaded: one query in all', async () => {
      const u = await seedUser(t.db, { full_name: 'Me Myself' });
      const { result: res, sql } = await recordQueries(() => as(u).get('/v1/users/me'));
      expect(res.status).toBe(200);
      expectUserObject(res.body, { user_id: u.user_id, email: u.email, username: u.username, full_name: 'Me Myself', roles: ['user'] });
      expect(sql).toHaveLength(1);
    });

    it('lets a user read themself, a platform admin anyone, and a user sharing a workspace', async () => {
      const a = await seedUser(t.db);
      const b = await seedUser(t.db);
      const stranger = await seedUser(t.db);
      const org = await seedOrg(t.db);
      const ws = await seedWorkspace(t.db, org);
      await addMember(t.db, ws, a.user_id, 'viewer');
      await addMember(t.db, ws, b.user_id, 'member');

      const self = await as(a).get(`/v1/users/${a.user_id}`);
      expect(self.status).toBe(200);
      expectUserObject(self.body, { user_id: a.user_id });
      const byAdmin = await as(admin).get(`/v1/users/${stranger.user_id}`);
      expect(byAdmin.status).toBe(200);
      expectUserObject(byAdmin.body, { user_id: stranger.user_id, email: stranger.email });
      const shared = await as(a).get(`/v1/users/${b.user_id}`);
      expect(shared.status).toBe(200);
      expectUserObject(shared.body, { user_id: b.user_id });

      // No shared workspace: the same 404 as for nobody at all.
      const hidden = await as(stranger).get(`/v1/users/${a.user_id}`);
      const missing = await as(stranger).get(`/v1/users/${MISSING_ID}`);
      expect(hidden.status).toBe(404);
      expectErrorShape(hidden.body, 404, 'RESOURCE_NOT_FOUND');
      expect(hidden.body.details).toEqual({ resource_type: 'user', resource_id: a.user_id });
      expect(missing.status).toBe(404);
      expect(missing.body.details).toEqual({ resource_type: 'user', resource_id: MISSING_ID });
      expect((await as(admin).get(`/v1/users/${MISSING_ID}`)).status).toBe(404);
    });

    it('answers 422 uuid_parsing for a malformed id', async () => {
      const res = await as(admin).get('/v1/users/not-a-uuid');
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'user_id'], input: 'not-a-uuid' });
    });
  });

  describe('PUT /v1/users/{user_id}', () => {
    it('lets a user change their own profile fields (partial; null clears)', async () => {
      const u = await seedUser(t.db, { full_name: 'Before', bio: 'old bio' });
      const res = await as(u).put(`/v1/users/${u.user_id}`, { full_name: 'After', bio: null, timezone: 'America/New_York', locale: 'en-US', settings: { a: 1 } });
      expect(res.status).toBe(200);
      expectUserObject(res.body, { full_name: 'After', bio: null, timezone: 'America/New_York', locale: 'en-US', settings: { a: 1 }, email: u.email, username: u.username });
      expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(res.body.created_at));
    });

    it('accepts the whole GET body sent back, unchanged or with edits', async () => {
      const u = await seedUser(t.db, { full_name: 'Echo', preferences: { x: 1 } });
      const got = (await as(u).get('/v1/users/me')).body;
      const same = await as(u).put(`/v1/users/${u.user_id}`, got);
      expect(same.status).toBe(200);
      expect(same.body).toEqual(got);
      const edited = await as(u).put(`/v1/users/${u.user_id}`, { ...got, full_name: 'Echo Edited', created_at: '1999-01-01T00:00:00Z', user_id: MISSING_ID });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ ...got, full_name: 'Echo Edited', updated_at: edited.body.updated_at });
      // An admin echoing a user's body works too.
      const byAdmin = await as(admin).put(`/v1/users/${u.user_id}`, edited.body);
      expect(byAdmin.status).toBe(200);
    });

    it("answers 403 users:update for someone else's record, before looking at the body or the id", async () => {
      const u = await seedUser(t.db);
      const other = await seedUser(t.db);
      for (const target of [other.user_id, MISSING_ID]) {
        const res = await as(u).put(`/v1/users/${target}`, { full_name: 123 });
        expect(res.status).toBe(403);
        expect(res.body.details).toEqual({ required_permission: 'users:update' });
      }
    });

    it('answers 403 users:manage when a non-admin changes roles, is_active or is_verified', async () => {
      const u = await seedUser(t.db);
      for (const body of [{ roles: ['admin'] }, { is_active: false }, { is_verified: true }]) {
        const res = await as(u).put(`/v1/users/${u.user_id}`, body);
        expect(res.status, JSON.stringify(body)).toBe(403);
        expect(res.body.details).toEqual({ required_permission: 'users:manage' });
      }
      // Sending the values they already have is not a change.
      expect((await as(u).put(`/v1/users/${u.user_id}`, { roles: ['user'], is_active: true, is_verified: false })).status).toBe(200);
    });

    it('lets an admin change anyone, including roles and flags; 404 for nobody', async () => {
      const u = await seedUser(t.db);
      const res = await as(admin).put(`/v1/users/${u.user_id}`, { roles: ['admin'], is_verified: true, full_name: 'Promoted' });
      expect(res.status).toBe(200);
      expectUserObject(res.body, { roles: ['admin'], is_verified: true, full_name: 'Promoted' });
      const off = await as(admin).put(`/v1/users/${u.user_id}`, { is_active: false, roles: ['user'] });
      expect(off.body).toMatchObject({ is_active: false, roles: ['user'] });
      expect((await as(u).get('/v1/users/me')).status).toBe(401);
      const missing = await as(admin).put(`/v1/users/${MISSING_ID}`, { full_name: 'x' });
      expect(missing.status).toBe(404);
      expect(missing.body.details).toEqual({ resource_type: 'user', resource_id: MISSING_ID });
    });

    it('lower-cases a changed email and clears is_verified; same email (any case) keeps it', async () => {
      const u = await seedUser(t.db, { is_verified: true });
      const same = await as(u).put(`/v1/users/${u.user_id}`, { email: u.email.toUpperCase() });
      expect(same.body).toMatchObject({ email: u.email, is_verified: true });
      const changed = await as(u).put(`/v1/users/${u.user_id}`, { email: `Changed.${unique()}@Example.com`, is_verified: true });
      expect(changed.status).toBe(200);
      expect(changed.body.email).toMatch(/^changed\.[0-9a-f]+@example\.com$/);
      expect(changed.body.is_verified).toBe(false);
    });

    it('answers 409 when the new email or username is taken', async () => {
      const u = await seedUser(t.db);
      const other = await seedUser(t.db);
      const email = await as(u).put(`/v1/users/${u.user_id}`, { email: other.email.toUpperCase() });
      expect(email.status).toBe(409);
      expect(email.body.details).toEqual({ resource_type: 'user', field: 'email' });
      const username = await as(u).put(`/v1/users/${u.user_id}`, { username: other.username.toUpperCase() });
      expect(username.status).toBe(409);
      expect(username.body.details).toEqual({ resource_type: 'user', field: 'username' });
      // Changing only the case of one's own username is fine.
      expect((await as(u).put(`/v1/users/${u.user_id}`, { username: u.username.toUpperCase() })).body.username).toBe(u.username.toUpperCase());
    });

    it('needs current_password for a self password change, and revokes the refresh tokens', async () => {
      const u = await seedUser(t.db);
      const session = (await login(u.email, TEST_PASSWORD)).body;
      const without = await as(u).put(`/v1/users/${u.user_id}`, { password: 'new-password-1' });
      expect(without.status).toBe(403);
      expect(without.body.details).toEqual({ required_permission: 'users:manage' });
      const wrong = await as(u).put(`/v1/users/${u.user_id}`, { password: 'new-password-1', current_password: 'not-it' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.message).toBe('Invalid credentials');
      expect(wrong.headers['www-authenticate']).toBe('Bearer');
      expect((await login(u.email, TEST_PASSWORD)).status).toBe(200);

      const ok = await as(u).put(`/v1/users/${u.user_id}`, { password: 'new-password-1', current_password: TEST_PASSWORD });
      expect(ok.status).toBe(200);
      expectUserObject(ok.body);
      expect((await login(u.email, TEST_PASSWORD)).status).toBe(401);
      expect((await login(u.email, 'new-password-1')).status).toBe(200);
      expect((await t.http.post('/v1/auth/refresh').send({ refresh_token: session.refresh_token })).status).toBe(401);
      // The token that made the change has no session to keep, so it ended with the others.
      expect((await as(u).get('/v1/users/me')).status).toBe(401);
      const fresh = { ...u, token: (await login(u.email, 'new-password-1')).body.access_token };
      const short = await as(fresh).put(`/v1/users/${u.user_id}`, { password: 'short', current_password: 'new-password-1' });
      expect(short.status).toBe(422);
      expect(short.body.detail[0]).toMatchObject({ type: 'string_too_short', loc: ['body', 'password'], input: '**********' });
    });

    it('lets an admin set a password without current_password', async () => {
      const u = await seedUser(t.db);
      expect((await as(admin).put(`/v1/users/${u.user_id}`, { password: 'reset-by-admin' })).status).toBe(200);
      expect((await login(u.username, 'reset-by-admin')).status).toBe(200);
    });

    it('accepts default_workspace_id only for a workspace the user belongs to (else 422)', async () => {
      const u = await seedUser(t.db);
      const org = await seedOrg(t.db);
      const mine = await seedWorkspace(t.db, org);
      const notMine = await seedWorkspace(t.db, org);
      await addMember(t.db, mine, u.user_id);
      const ok = await as(u).put(`/v1/users/${u.user_id}`, { default_workspace_id: mine });
      expect(ok.status).toBe(200);
      expect(ok.body.default_workspace_id).toBe(mine);
      for (const ws of [notMine, MISSING_ID]) {
        const bad = await as(u).put(`/v1/users/${u.user_id}`, { default_workspace_id: ws });
        expect(bad.status).toBe(422);
        expect(bad.body.detail).toEqual([
          expect.objectContaining({ type: 'value_error', loc: ['body', 'default_workspace_id'], input: ws }),
        ]);
        expect(bad.body.detail[0].msg).toMatch(/^Value error, /);
      }
      const malformed = await as(u).put(`/v1/users/${u.user_id}`, { default_workspace_id: 'nope' });
      expect(malformed.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'default_workspace_id'] });
      const cleared = await as(u).put(`/v1/users/${u.user_id}`, { default_workspace_id: null });
      expect(cleared.body.default_workspace_id).toBeNull();
    });

    it('refuses null for a field that cannot be cleared', async () => {
      const u = await seedUser(t.db);
      const res = await as(u).put(`/v1/users/${u.user_id}`, { email: null, username: null, preferences: null });
      expect(res.status).toBe(422);
      expect(res.body.detail.map((d: any) => [d.loc[1], d.type])).toEqual([
        ['email', 'string_type'],
        ['username', 'string_type'],
        ['preferences', 'dict_type'],
      ]);
    });
  });

  describe('DELETE /v1/users/{user_id}', () => {
    it('lets a user delete themself (204): memberships and tokens go, the access token dies at once', async () => {
      const u = await seedUser(t.db);
      const session = (await login(u.email, TEST_PASSWORD)).body;
      const org = await seedOrg(t.db);
      const ws = await seedWorkspace(t.db, org);
      await addMember(t.db, ws, u.user_id);
      const res = await as(u).delete(`/v1/users/${u.user_id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await as(u).get('/v1/users/me')).status).toBe(401);
      expect((await t.http.post('/v1/auth/refresh').send({ refresh_token: session.refresh_token })).status).toBe(401);
      expect(await t.db.query(`SELECT 1 FROM workspace_members WHERE user_id = $1 UNION ALL SELECT 1 FROM refresh_tokens WHERE user_id = $1`, [u.user_id])).toEqual([]);
      expect((await t.db.query(`SELECT member_count FROM workspaces WHERE workspace_id = $1`, [ws]))[0].member_count).toBe(0);
    });

    it("answers 403 users:delete for someone else's account, 204 and 404 for an admin", async () => {
      const u = await seedUser(t.db);
      const other = await seedUser(t.db);
      for (const target of [other.user_id, MISSING_ID]) {
        const res = await as(u).delete(`/v1/users/${target}`);
        expect(res.status).toBe(403);
        expect(res.body.details).toEqual({ required_permission: 'users:delete' });
      }
      expect((await as(admin).delete(`/v1/users/${other.user_id}`)).status).toBe(204);
      const again = await as(admin).delete(`/v1/users/${other.user_id}`);
      expect(again.status).toBe(404);
      expect(again.body.details).toEqual({ resource_type: 'user', resource_id: other.user_id });
    });
  });

  describe('the last platform admin', () => {
    it('cannot be demoted, disabled or deleted (409 last_admin); can once another admin exists', async () => {
      const t2 = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
      try {
        await t2.db.query(`DELETE FROM users`);
        const only = await seedAdmin(t2.db);
        const user = await seedUser(t2.db);
        // A disabled admin does not count.
        await seedAdmin(t2.db, { is_active: false });
        const call = (method: 'put' | 'delete', body?: object) => t2.http[method](`/v1/users/${only.user_id}`).set(bearer(only.token)).send(body);
        for (const [method, body] of [['put', { roles: ['user'] }], ['put', { is_active: false }], ['delete', undefined]] as const) {
          const res = await call(method, body);
          expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(409);
          expectErrorShape(res.body, 409, 'RESOURCE_CONFLICT');
          expect(res.body.details).toEqual({ reason: 'last_admin' });
        }
        expect((await call('put', { roles: ['admin'], is_active: true, full_name: 'Still here' })).status).toBe(200);

        const promoted = await t2.http.put(`/v1/users/${user.user_id}`).set(bearer(only.token)).send({ roles: ['admin'] });
        expect(promoted.status).toBe(200);
        // Two admins demoting each other at once: one wins; the other is refused, 409 when both
        // requests overlap, 403 when the loser was already demoted before its request was authorized.
        const results = await Promise.all([
          t2.http.put(`/v1/users/${user.user_id}`).set(bearer(only.token)).send({ roles: ['user'] }),
          t2.http.put(`/v1/users/${only.user_id}`).set(bearer(user.token)).send({ roles: ['user'] }),
        ]);
        expect([[200, 403], [200, 409]]).toContainEqual(results.map((r) => r.status).sort());
        const [{ n }] = await t2.db.query(`SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) AND is_active`);
        expect(n).toBe(1);

        // The same race inside the service, both callers authenticated as admins beforehand: the
        // admin-row locks serialize the two transactions, and the second sees the first's result.
        const third = await seedAdmin(t2.db);
        const survivor = (await t2.db.query(`SELECT user_id FROM users WHERE 'admin' = ANY(roles) AND is_active AND user_id <> $1`, [third.user_id]))[0].user_id;
        const rows = await t2.db.query(`SELECT * FROM users WHERE user_id = ANY($1::uuid[])`, [[third.user_id, survivor]]);
        const byId = Object.fromEntries(rows.map((r: any) => [r.user_id, r]));
        const service = t2.app.get(UsersService);
        for (let round = 0; round < 5; round++) {
          const settled = await Promise.allSettled([
            service.update(SYSTEM_CONTEXT, byId[third.user_id], survivor, { is_active: false }),
            service.update(SYSTEM_CONTEXT, byId[survivor], third.user_id, { is_active: false }),
          ]);
          const refused = settled.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
          expect(refused).toHaveLength(1);
          expect(refused[0].reason.details).toEqual({ reason: 'last_admin' });
          await t2.db.query(`UPDATE users SET is_active = true WHERE user_id = ANY($1::uuid[])`, [[third.user_id, survivor]]);
        }
      } finally {
        await t2.close();
      }
    });
  });
});
