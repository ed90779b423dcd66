import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { buildWorld, type World } from '../e2e/access-fixtures.js';

/**
 * OWASP API8:2023 security misconfiguration: what hostile input must not turn into a 500, a stack
 * trace or a framework's bare answer. Each case was found by the OpenAPI fuzzing.
 */
describe('API8 security misconfiguration', () => {
  let t: TestApp;
  let w: World;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t.db);
    admin = bearer(w.users.platform.token);
  });
  afterAll(() => t.close());

  it('API8 security misconfiguration: a NUL character in a body field is a 422 at that field, not a database error', async () => {
    const res = await t.http.patch(`/v1/orgs/${w.orgId}`).set(admin).send({ name: 'a\u0000b' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { type: 'value_error', loc: ['body', 'name'], msg: 'Value error, NUL characters are not allowed', input: 'a\u0000b', ctx: { error: 'NUL characters are not allowed' } },
    ]);
    const [org] = await t.db.query(`SELECT name FROM organizations WHERE org_id = $1`, [w.orgId]);
    expect(org.name).toBe('Org');
  });

  it('API8 security misconfiguration: a NUL character in a query value is a 422 at that parameter', async () => {
    const res = await t.http.get(`/v1/orgs/${w.orgId}/members?search=a%00b`).set(admin);
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'search'], input: 'a\u0000b' });
  });

  it('API8 security misconfiguration: an unknown field holding a "constructor" key is ignored, not a crash of the object mapper', async () => {
    const res = await t.http
      .patch(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members/${w.target.user_id}`)
      .set(admin)
      .send({ role: 'admin', x: { constructor: { prototype: {} } }, y: [{ constructor: 'Object' }] });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('admin');
  });

  it('API8 security misconfiguration: lone surrogates are stored as U+FFFD and refused where a format applies, never a 500', async () => {
    const me = w.users.member;
    const email = await t.http.put(`/v1/users/${me.user_id}`).set(bearer(me.token)).send({ email: '\udfff\ud800@example.com' });
    expect(email.status).toBe(422);
    expect(email.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'email'] });
    const name = await t.http.put(`/v1/users/${me.user_id}`).set(bearer(me.token)).send({ full_name: 'a\ud800b' });
    expect(name.status).toBe(200);
    expect(name.body.full_name).toBe('a\ufffdb');
    const prefs = await t.http.patch('/v1/users/me/preferences').set(bearer(me.token)).send({ preferences: { theme: '\udfff', '\ud800': 1 } });
    expect(prefs.status).toBe(200);
    expect(prefs.body.preferences).toMatchObject({ theme: '\ufffd', '\ufffd': 1 });
    const nul = await t.http.patch('/v1/users/me/preferences').set(bearer(me.token)).send({ preferences: { theme: 'a\u0000' } });
    expect(nul.status).toBe(422);
    expect(nul.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'preferences'] });
  });

  it('API8 security misconfiguration: a path segment that is not valid percent-encoding is a 422 uuid_parsing with the segment as sent', async () => {
    const res = await t.http.get('/v1/orgs/%ZZ/workspaces').set(admin);
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([expect.objectContaining({ type: 'uuid_parsing', loc: ['path', 'org_id'], input: '%ZZ' })]);
    const bytes = await t.http.get(`/v1/orgs/${w.orgId}/workspaces/%FF%FE`).set(admin);
    expect(bytes.status).toBe(422);
    expect(bytes.body.detail).toEqual([expect.objectContaining({ type: 'uuid_parsing', loc: ['path', 'workspace_id'], input: '\ufffd\ufffd' })]);
  });

  it('API8 security misconfiguration: a body sent with GET or DELETE is ignored, malformed or not', async () => {
    const get = await t.http.get('/health/live').set('content-type', 'application/json').send('{"unterminated');
    expect(get.status).toBe(200);
    const list = await t.http.get(`/v1/orgs/${w.orgId}/workspaces`).set(admin).set('content-type', 'application/json').send('{');
    expect(list.status).toBe(200);
    const post = await t.http.post('/v1/orgs').set(admin).set('content-type', 'application/json').send('{');
    expect(post.status).toBe(422);
    expect(post.body.detail[0].type).toBe('json_invalid');
  });

  it('API8 security misconfiguration: SQL and LIKE metacharacters in a search are data, and no error reveals the query', async () => {
    for (const search of ["' OR '1'='1", "'; DROP TABLE users; --", '%', '%%', '\\', "') UNION SELECT password_hash FROM users --"]) {
      const res = await t.http.get(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`).query({ search }).set(admin);
      expect(res.status, search).toBe(200);
      expect(res.body.members, search).toEqual([]);
    }
    const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM users`);
    expect(count).toBeGreaterThan(5);
  });

  it('API8 security misconfiguration: responses carry no framework banner and errors no internals', async () => {
    const res = await t.http.get('/v1/orgs/not-a-uuid').set(admin);
    expect(res.headers['x-powered-by']).toBeUndefined();
    const text = JSON.stringify(res.body);
    for (const leak of ['stack', 'node_modules', 'QueryFailedError', 'SELECT ']) expect(text).not.toContain(leak);
    expect(text).not.toMatch(/at \S+:\d+:\d+/);
  });
});
