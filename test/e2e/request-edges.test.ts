import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { addMember, addOrgMember, seedAdmin, seedOrg, seedWorkspace } from './users.fixtures.js';

/** Edges of reading a request: numbers JSON cannot write back, charsets, repeated keys, path spelling. */
describe('request parsing edges', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
  });
  afterAll(() => t?.close());

  const storedPreferences = async (userId: string) => (await t.db.query(`SELECT preferences, settings FROM users WHERE user_id = $1`, [userId]))[0];

  it('refuses a number beyond a double (1e309) in preferences and settings with 422 finite_number, and keeps the key', async () => {
    const u = await seedUser(t.db, { preferences: { scale: 2, nested: { zoom: 1 } }, settings: { depth: 3 } });
    const patch = await t.http
      .patch('/v1/users/me/preferences')
      .set(bearer(u.token))
      .set('Content-Type', 'application/json')
      .send('{"preferences": {"scale": 1e309, "nested": {"zoom": [1, -1e309]}}}');
    expect(patch.status).toBe(422);
    expect(patch.body.detail).toEqual([
      { type: 'finite_number', loc: ['body', 'preferences', 'scale'], msg: 'Input should be a finite number', input: 'Infinity' },
      { type: 'finite_number', loc: ['body', 'preferences', 'nested', 'zoom', 1], msg: 'Input should be a finite number', input: '-Infinity' },
    ]);
    const put = await t.http
      .put(`/v1/users/${u.user_id}`)
      .set(bearer(u.token))
      .set('Content-Type', 'application/json')
      .send('{"preferences": {"scale": 1E400}, "settings": {"depth": 1e309}}');
    expect(put.status).toBe(422);
    expect(put.body.detail.map((d: { loc: unknown[] }) => d.loc)).toEqual([
      ['body', 'preferences', 'scale'],
      ['body', 'settings', 'depth'],
    ]);
    expect(await storedPreferences(u.user_id)).toEqual({ preferences: { scale: 2, nested: { zoom: 1 } }, settings: { depth: 3 } });
    // Large but finite numbers are still numbers.
    const fine = await t.http.patch('/v1/users/me/preferences').set(bearer(u.token)).set('Content-Type', 'application/json').send('{"preferences": {"scale": 1e308}}');
    expect(fine.status).toBe(200);
    expect(fine.body.preferences.scale).toBe(1e308);
  });

  it('reads only UTF-8 bodies: another charset is 415 with details.supported, whatever the body says', async () => {
    const u = await seedUser(t.db, { preferences: { theme: 'light' } });
    const utf16 = Buffer.from('{"preferences": {"theme": "dark"}}', 'utf16le');
    const cases: [string, string | Buffer][] = [
      ['application/json; charset=utf-7', '{"preferences": {"theme": "+ADw-dark+AD4-"}}'],
      ['application/json; charset=utf-16le', utf16],
      ['application/json; charset="UTF-16"', utf16],
      ['application/json; charset=iso-8859-1', '{"preferences": {"theme": "dark"}}'],
    ];
    for (const [contentType, body] of cases) {
      const res = await t.http.patch('/v1/users/me/preferences').set(bearer(u.token)).set('Content-Type', contentType).send(body);
      expect(res.status, contentType).toBe(415);
      expectErrorShape(res.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.details).toEqual({ supported: ['utf-8'] });
    }
    const form = await t.http.post('/v1/auth/token').set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1').send('username=x&password=y');
    expect(form.status).toBe(415);
    expect(form.body.details).toEqual({ supported: ['utf-8'] });
    expect((await storedPreferences(u.user_id)).preferences).toEqual({ theme: 'light' });
    for (const contentType of ['application/json; charset=UTF-8', 'application/json']) {
      const ok = await t.http.patch('/v1/users/me/preferences').set(bearer(u.token)).set('Content-Type', contentType).send('{"preferences": {"theme": "dark"}}');
      expect(ok.status, contentType).toBe(200);
    }
  });

  describe('a repeated workspace_id', () => {
    let member: SeedUser;
    let mine: string;
    let foreign: string;
    beforeAll(async () => {
      member = await seedUser(t.db);
      const org = await seedOrg(t.db);
      mine = await seedWorkspace(t.db, org);
      await addOrgMember(t.db, org, member.user_id);
      await addMember(t.db, mine, member.user_id, 'viewer');
      foreign = await seedWorkspace(t.db, await seedOrg(t.db));
      const stranger = await seedUser(t.db);
      await addMember(t.db, foreign, stranger.user_id);
    });

    it('is decided on its last value by the permission check and the list alike', async () => {
      const mineLast = await t.http.get(`/v1/users?workspace_id=${foreign}&workspace_id=${mine}`).set(bearer(member.token));
      expect(mineLast.status).toBe(200);
      expect(mineLast.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([member.user_id]);
      const foreignLast = await t.http.get(`/v1/users?workspace_id=${mine}&workspace_id=${foreign}`).set(bearer(member.token));
      expect(foreignLast.status).toBe(404);
      expect(foreignLast.body.details).toEqual({ resource_type: 'workspace', resource_id: foreign });
    });

    it('is decided on its last value when reading one user', async () => {
      const res = await t.http.get(`/v1/users/${member.user_id}?workspace_id=${foreign}&workspace_id=${mine}`).set(bearer(member.token));
      expect(res.status).toBe(200);
      const other = await t.http.get(`/v1/users/${member.user_id}?workspace_id=${mine}&workspace_id=${foreign}`).set(bearer(member.token));
      expect(other.status).toBe(404);
      expect(other.body.details).toEqual({ resource_type: 'workspace', resource_id: foreign });
    });
  });

  it('serves each route at its exact path only: another case or a trailing slash is a 404 route', async () => {
    const admin = await seedAdmin(t.db);
    for (const path of ['/METRICS', '/metrics/', '/Metrics', '/health/live/', '/HEALTH/live', '/health/Ready', '/health/ready/', '/v1/users/me/', '/V1/users/me']) {
      const res = await t.http.get(path).set(bearer(admin.token));
      expect(res.status, path).toBe(404);
      expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
      expect(res.body.details, path).toEqual({ resource_type: 'route', resource_id: path });
    }
    for (const path of ['/metrics', '/health/live', '/health/ready', '/docs', '/openapi.json']) {
      expect((await t.http.get(path)).status, path).toBe(200);
    }
  });
});
