import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { bearer, createTestApp, expectErrorShape, TEST_PASSWORD, type TestApp } from '../support/app.js';

/**
 * The OWASP API Security Top 10 (2023) risks not covered by a file of their own (API2, API4, API8
 * have theirs; API5 is the permission matrix; the fuzzing covers API1/API3 at large).
 */
describe('OWASP API Security Top 10', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t.db);
  });
  afterAll(() => t?.close());

  describe('API1 broken object level authorization', () => {
    it('API1 broken object level authorization: users of another org cannot be read, listed, changed or deleted by id', async () => {
      const stranger = w.users.outsider;
      const me = bearer(w.users.member.token);
      const read = await t.http.get(`/v1/users/${stranger.user_id}`).set(me);
      expect(read.status).toBe(404);
      expect(read.body.details).toEqual({ resource_type: 'user', resource_id: stranger.user_id });
      const list = await t.http.get(`/v1/users?workspace_id=${w.otherWorkspaceId}`).set(me);
      expect(list.status).toBe(404);
      expect(list.body.details).toEqual({ resource_type: 'workspace', resource_id: w.otherWorkspaceId });
      const scoped = await t.http.get(`/v1/users/${stranger.user_id}?workspace_id=${w.workspaceId}`).set(me);
      expect(scoped.status).toBe(404);
      for (const [method, permission] of [['put', 'users:update'], ['delete', 'users:delete']] as const) {
        const res = await t.http[method](`/v1/users/${stranger.user_id}`).set(me).send(method === 'put' ? { full_name: 'Pwned' } : undefined);
        expect(res.status, method).toBe(403);
        expect(res.body.details).toEqual({ required_permission: permission });
      }
      const [row] = await t.db.query(`SELECT full_name FROM users WHERE user_id = $1`, [stranger.user_id]);
      expect(row.full_name).toBeNull();
    });
  });

  describe('API3 broken object property level authorization', () => {
    it('API3 broken object property level authorization: a user cannot grant themself admin, deactivate or verify themself (403 users:manage, nothing stored)', async () => {
      const u = w.users.viewer;
      for (const body of [{ roles: ['admin'] }, { is_active: false }, { is_verified: true }, { full_name: 'ok', roles: ['admin', 'user'] }, { password: 'new-password-123' }]) {
        const res = await t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send(body);
        expect(res.status, JSON.stringify(body)).toBe(403);
        expect(res.body.details).toEqual({ required_permission: 'users:manage' });
      }
      const [row] = await t.db.query(`SELECT roles, is_verified, full_name FROM users WHERE user_id = $1`, [u.user_id]);
      expect(row).toEqual({ roles: ['user'], is_verified: false, full_name: null });
      const [{ is_active }] = await t.db.query(`SELECT is_active FROM users WHERE user_id = $1`, [u.user_id]);
      expect(is_active).toBe(true);
    });

    it('API3 broken object property level authorization: read-only and unknown fields are ignored, never stored', async () => {
      const u = w.users.member;
      const [before] = await t.db.query(`SELECT user_id, created_at, auth_provider FROM users WHERE user_id = $1`, [u.user_id]);
      const res = await t.http
        .put(`/v1/users/${u.user_id}`)
        .set(bearer(u.token))
        .send({ full_name: 'Member', user_id: w.users.platform.user_id, created_at: '2000-01-01T00:00:00Z', auth_provider: 'google', password_hash: 'x', last_login: null, org_id: w.orgId });
      expect(res.status).toBe(200);
      expect(res.body.user_id).toBe(u.user_id);
      const [after] = await t.db.query(`SELECT user_id, created_at, auth_provider FROM users WHERE user_id = $1`, [u.user_id]);
      expect(after).toEqual(before);
      const org = await t.http.post('/v1/orgs').set(bearer(u.token)).send({ name: 'Mine', org_id: w.orgId, created_at: '2000-01-01T00:00:00Z' });
      expect(org.status).toBe(201);
      expect(org.body.org_id).not.toBe(w.orgId);
      const member = await t.http.post(`/v1/orgs/${org.body.org_id}/workspaces`).set(bearer(u.token)).send({ name: 'W', org_id: w.otherOrgId });
      expect(member.status).toBe(201);
      expect(member.body.org_id).toBe(org.body.org_id);
    });

    it('API3 broken object property level authorization: no response exposes a password, a hash or a refresh token store', async () => {
      const admin = bearer(w.users.platform.token);
      const login = await t.http.post('/v1/auth/login').send({ login: w.users.member.email, password: TEST_PASSWORD });
      const responses = [
        login,
        await t.http.get('/v1/users/me').set(admin),
        await t.http.get(`/v1/users/${w.users.member.user_id}`).set(admin),
        await t.http.get(`/v1/users?workspace_id=${w.workspaceId}`).set(admin),
        await t.http.get(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`).set(admin),
        await t.http.get(`/v1/orgs/${w.orgId}/members`).set(admin),
        await t.http.post('/v1/users').set(admin).send({ email: 'exposed@example.com', username: 'exposed', password: 'exposed-password-1' }),
        await t.http.put(`/v1/users/${w.users.member.user_id}`).set(bearer(w.users.member.token)).send({ password: 'changed-password-1', current_password: TEST_PASSWORD }),
      ];
      for (const [i, res] of responses.entries()) {
        expect(res.status, `response ${i}`).toBeLessThan(300);
        const text = res.text;
        for (const secret of ['password', '$argon2', 'token_hash', TEST_PASSWORD, 'exposed-password-1', 'changed-password-1']) {
          if (res === login && secret === 'password') continue;
          expect(text, `response ${i} exposes ${secret}`).not.toContain(secret);
        }
      }
    });
  });

  describe('API6 unrestricted access to sensitive business flows', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await createTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '5' });
    });
    afterAll(() => limited?.close());

    it('API6 unrestricted access to sensitive business flows: password guessing is cut off at the limit, even when the right password comes next', async () => {
      const victim = (await buildWorld(limited.db)).users.member;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await limited.http.post('/v1/auth/login').send({ login: victim.email, password: `guess-${i}` })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const right = await limited.http.post('/v1/auth/login').send({ login: victim.email, password: TEST_PASSWORD });
      expect(right.status).toBe(429);
      expectErrorShape(right.body, 429, 'RATE_LIMITED');
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
      expect(right.body.access_token).toBeUndefined();
      // The form-encoded grant shares the count: no second door.
      const token = await limited.http.post('/v1/auth/token').type('form').send({ username: victim.email, password: TEST_PASSWORD });
      expect(token.status).toBe(429);
    });
  });

  describe('API7 server side request forgery', () => {
    it('API7 server side request forgery: an avatar URL is stored, never fetched, and only http(s) is accepted', async () => {
      let hits = 0;
      const trap = http.createServer((_req, res) => {
        hits++;
        res.end('gotcha');
      });
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
      const { port } = trap.address() as net.AddressInfo;
      try {
        const u = w.users.owner;
        const url = `http://127.0.0.1:${port}/internal/admin?x=1`;
        const put = await t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send({ avatar_url: url });
        expect(put.status).toBe(200);
        expect(put.body.avatar_url).toBe(url);
        const created = await t.http.post('/v1/users').set(bearer(w.users.platform.token)).send({ email: 'ssrf@example.com', username: 'ssrf', password: 'ssrf-password-1', avatar_url: url });
        expect(created.status).toBe(201);
        await t.http.get(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`).set(bearer(u.token));
        await new Promise((r) => setTimeout(r, 300));
        expect(hits).toBe(0);
        for (const bad of ['file:///etc/passwd', 'gopher://127.0.0.1:6379/_FLUSHALL', 'javascript:alert(1)', 'ftp://127.0.0.1/a', 'dict://127.0.0.1:11211/']) {
          const res = await t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send({ avatar_url: bad });
          expect(res.status, bad).toBe(422);
          expect(res.body.detail[0].loc).toEqual(['body', 'avatar_url']);
        }
      } finally {
        trap.close();
      }
    });
  });

  describe('API9 improper inventory management', () => {
    it('API9 improper inventory management: every route the application serves is in the OpenAPI document, and nothing else answers', async () => {
      const document = (await t.http.get('/openapi.json')).body;
      const documented = new Set(
        Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
      );
      const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router;
      const served = router.stack
        .filter((layer) => layer.route && Object.keys(layer.route.methods).length < 10 && !layer.route.methods._all)
        .flatMap((layer) => Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`));
      const byDesign = [/^GET \/docs/, /^GET \/openapi\.json$/, /^GET \/$/, /^GET \/metrics$/];
      const undocumented = served.filter((r) => !documented.has(r) && !byDesign.some((p) => p.test(r)));
      expect(undocumented).toEqual([]);
      expect(served.length).toBeGreaterThanOrEqual(documented.size);
      for (const path of ['/v2/users/me', '/v0/orgs', '/api/v1/users/me', '/v1/admin', '/v1/debug', '/v1/users/me/../../admin', '/.env', '/v1/internal/users']) {
        const res = await t.http.get(path).set(bearer(w.users.platform.token));
        expect(res.status, path).toBe(404);
        expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
      }
    });
  });

  describe('API10 unsafe consumption of APIs', () => {
    it('API10 unsafe consumption of APIs: a Redis that accepts connections and never answers does not hang or break logins', async () => {
      const sockets: net.Socket[] = [];
      const blackHole = net.createServer((socket) => sockets.push(socket)); // accepts, reads, never replies
      await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
      const { port } = blackHole.address() as net.AddressInfo;
      const app = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_LOGIN_PER_MINUTE: '3' });
      try {
        const u = (await buildWorld(app.db)).users.member;
        const started = Date.now();
        const good = await app.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD });
        const bad = await app.http.post('/v1/auth/login').send({ login: u.email, password: 'wrong' });
        expect(good.status).toBe(200);
        expect(bad.status).toBe(401);
        expect(Date.now() - started).toBeLessThan(10_000);
        // The limit still applies, counted on this instance while Redis does not answer.
        const third = await app.http.post('/v1/auth/login').send({ login: u.email, password: 'wrong' });
        const fourth = await app.http.post('/v1/auth/login').send({ login: u.email, password: 'wrong' });
        expect([third.status, fourth.status]).toEqual([401, 429]);
      } finally {
        await app.close();
        for (const s of sockets) s.destroy();
        blackHole.close();
      }
    }, 60_000);
  });
});
