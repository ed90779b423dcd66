import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyRepository } from '../../dist/common/http/idempotency/idempotency.repository.js';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

const REUSED = (key: string) => ({
  detail: [{ type: 'idempotency_key_reused', loc: ['header', 'idempotency-key'], msg: 'Value error, this Idempotency-Key was used for a different request', input: key }],
});

describe('Idempotency-Key', () => {
  let t: TestApp;
  let admin: SeedUser;
  let other: SeedUser;
  let orgId: string;
  let workspaceId: string;

  beforeAll(async () => {
    t = await createTestApp({ IDEMPOTENCY_TTL_SECONDS: '120' });
    admin = await seedUser(t.db, { roles: ['admin'] });
    other = await seedUser(t.db);
    orgId = await insertOrg(t.db);
    workspaceId = await insertWorkspace(t.db, orgId);
    await setOrgRole(t.db, orgId, admin.user_id, 'owner');
    await setWorkspaceRole(t.db, workspaceId, admin.user_id, 'owner');
  });
  afterAll(() => t.close());

  const key = () => `k-${Math.random().toString(36).slice(2)}`;
  const count = async (sql: string, params: unknown[]) => (await t.db.query(sql, params))[0].n as number;
  const orgsNamed = (name: string) => count(`SELECT count(*)::int AS n FROM organizations WHERE name = $1`, [name]);

  it('replays the stored status, body and ETag with Idempotent-Replayed, with no second effect', async () => {
    const k = key();
    const name = `Replayed ${k}`;
    const first = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await orgsNamed(name)).toBe(1);
    // The same key as a quoted structured-field string is the same key; body keys in another order are the same body.
    const quoted = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', `"${k}"`).send({ name });
    expect(quoted.headers['idempotent-replayed']).toBe('true');
    // The key is kept only as a hash.
    expect(await count(`SELECT count(*)::int AS n FROM idempotency_keys WHERE position($1::bytea IN key_hash) > 0`, [Buffer.from(k)])).toBe(0);
  });

  it('answers 422 idempotency_key_reused to another body, path or method under the same key', async () => {
    const k = key();
    await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name: `First ${k}`, slug: `f-${k.slice(2, 12)}` });
    const body = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name: `Other ${k}` });
    expect(body.status).toBe(422);
    expect(body.body).toEqual(REUSED(k));
    const reordered = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ slug: `f-${k.slice(2, 12)}`, name: `First ${k}` });
    expect(reordered.status).toBe(201);
    expect(reordered.headers['idempotent-replayed']).toBe('true');
    const path = await t.http.post(`/v1/orgs/${orgId}/workspaces`).set(bearer(admin.token)).set('Idempotency-Key', k).send({ name: `First ${k}`, slug: `f-${k.slice(2, 12)}` });
    expect(path.body).toEqual(REUSED(k));
    expect(await orgsNamed(`Other ${k}`)).toBe(0);
  });

  it('scopes keys to the caller: the same key from another user is another key', async () => {
    const k = key();
    const mine = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name: `Scoped ${k}` });
    const theirs = await t.http.post('/v1/orgs').set(bearer(other.token)).set('Idempotency-Key', k).send({ name: `Scoped ${k}` });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.org_id).not.toBe(mine.body.org_id);
    expect(await orgsNamed(`Scoped ${k}`)).toBe(2);
  });

  it('creates exactly one resource for 20 concurrent requests with one new key; the rest replay or wait (409), none fails', async () => {
    for (const send of [
      (k: string, name: string) => t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name }),
      (k: string, name: string) => t.http.post('/v1/users').set(bearer(admin.token)).set('Idempotency-Key', k).send({ email: `${name}@example.com`, username: name, password: 'a-long-password' }),
    ]) {
      const k = key();
      const name = `race_${k.slice(2)}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => send(k, name)));
      const created = results.filter((r) => r.status === 201);
      const waiting = results.filter((r) => r.status === 409);
      expect(created.length + waiting.length).toBe(20);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      for (const r of created) expect(r.text).toBe(created[0].text);
      for (const r of waiting) {
        expectErrorShape(r.body, 409, 'RESOURCE_CONFLICT');
        expect(r.body.details).toEqual({ reason: 'idempotency_key_in_progress' });
        expect(r.headers['retry-after']).toBe('1');
      }
      expect(await count(`SELECT ((SELECT count(*) FROM organizations WHERE name = $1) + (SELECT count(*) FROM users WHERE username = $1))::int AS n`, [name])).toBe(1);
    }
  });

  it('does not store a 422 or a 401: the same key succeeds once the request is fixed', async () => {
    const k = key();
    const invalid = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name: '' });
    expect(invalid.status).toBe(422);
    const unauthenticated = await t.http.post('/v1/orgs').set(bearer('nope')).set('Idempotency-Key', k).send({ name: `Fixed ${k}` });
    expect(unauthenticated.status).toBe(401);
    const fixed = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name: `Fixed ${k}` });
    expect(fixed.status).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(await orgsNamed(`Fixed ${k}`)).toBe(1);
  });

  it('stores a 409 and a 404 and replays them exactly, without their partial effects', async () => {
    const k = key();
    const path = `/v1/orgs/${orgId}/workspaces/${workspaceId}/members`;
    const conflict = await t.http.post(path).set(bearer(admin.token)).set('Idempotency-Key', k).send({ user_id: admin.user_id });
    expectErrorShape(conflict.body, 409, 'RESOURCE_CONFLICT');
    const replayed = await t.http.post(path).set(bearer(admin.token)).set('Idempotency-Key', k).send({ user_id: admin.user_id });
    expect(replayed.status).toBe(409);
    expect(replayed.text).toBe(conflict.text);
    expect(replayed.headers['idempotent-replayed']).toBe('true');

    const missing = '00000000-0000-4000-8000-0000000000cc';
    const k2 = key();
    const notFound = await t.http.post(path).set(bearer(admin.token)).set('Idempotency-Key', k2).send({ user_id: missing });
    expect(notFound.status).toBe(404);
    // The user appears afterwards: the key still answers the stored 404.
    const user = await seedUser(t.db);
    await t.db.query(`UPDATE users SET user_id = $1 WHERE user_id = $2`, [missing, user.user_id]);
    const still = await t.http.post(path).set(bearer(admin.token)).set('Idempotency-Key', k2).send({ user_id: missing });
    expect(still.status).toBe(404);
    expect(still.text).toBe(notFound.text);
    expect(await count(`SELECT count(*)::int AS n FROM workspace_members WHERE user_id = $1`, [missing])).toBe(0);
  });

  it('answers 422 at ["header", "idempotency-key"] to a malformed key, and stores nothing', async () => {
    for (const bad of ['', 'x'.repeat(256), 'has space', '"unterminated', 'caf\u00e9']) {
      const res = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', bad).send({ name: 'Bad key' });
      expect([bad, res.status]).toEqual([bad, 422]);
      expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['header', 'idempotency-key'] });
    }
    expect(await orgsNamed('Bad key')).toBe(0);
    expect((await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', 'x'.repeat(255)).send({ name: 'Long key' })).status).toBe(201);
  });

  it('keeps a key for IDEMPOTENCY_TTL_SECONDS; an expired key runs again, and the purge deletes it', async () => {
    const k = key();
    const name = `Expiring ${k}`;
    await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name });
    const [row] = await t.db.query(`SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM idempotency_keys ORDER BY created_at DESC LIMIT 1`);
    expect(row.ttl).toBe(120);
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second', created_at = now() - interval '121 seconds' WHERE created_at > now() - interval '1 minute'`);
    const again = await t.http.post('/v1/orgs').set(bearer(admin.token)).set('Idempotency-Key', k).send({ name });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await orgsNamed(name)).toBe(2);
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second'`);
    expect(await t.app.get(IdempotencyRepository).purgeExpired()).toBeGreaterThan(0);
    expect(await count(`SELECT count(*)::int AS n FROM idempotency_keys`, [])).toBe(0);
  });

  it('ignores the key on /v1/auth', async () => {
    const login = await t.http.post('/v1/auth/login').set('Idempotency-Key', 'x y').send({ login: admin.email, password: admin.password });
    expect(login.status).toBe(200);
  });
});
