import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type TestApp } from '../support/app.js';
import { expectUserObject } from './users.fixtures.js';

describe('PATCH /v1/users/me/preferences (RFC 7396 merge in the database)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
  });
  afterAll(() => t?.close());

  const patch = (token: string, body: unknown) => t.http.patch('/v1/users/me/preferences').set(bearer(token)).send(body as object);

  it('merges nested objects, replaces arrays and scalars, and removes keys set to null', async () => {
    const u = await seedUser(t.db, { preferences: { theme: 'light', notifications: { email: true, sms: false, digest: { daily: true } }, tags: ['a', 'b'], lang: 'en' } });
    const res = await patch(u.token, { preferences: { theme: 'dark', notifications: { sms: true, digest: { weekly: true } }, tags: ['c'], lang: null, new: { x: 1 } } });
    expect(res.status).toBe(200);
    expectUserObject(res.body, {
      user_id: u.user_id,
      preferences: { theme: 'dark', notifications: { email: true, sms: true, digest: { daily: true, weekly: true } }, tags: ['c'], new: { x: 1 } },
    });
    // null inside a nested object removes only that key; an object replaces a scalar.
    const again = await patch(u.token, { preferences: { notifications: { digest: null }, theme: { mode: 'auto' } } });
    expect(again.body.preferences).toEqual({ theme: { mode: 'auto' }, notifications: { email: true, sms: true }, tags: ['c'], new: { x: 1 } });
    // An empty patch changes nothing.
    expect((await patch(u.token, { preferences: {} })).body.preferences).toEqual(again.body.preferences);
    // Settings are untouched.
    expect(again.body.settings).toEqual({});
  });

  it('keeps both of many concurrent patches to different keys (a real race)', async () => {
    const u = await seedUser(t.db, { preferences: { keep: 'me' } });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const results = await Promise.all(keys.map((k, i) => patch(u.token, { preferences: { [k]: i, shared: { [k]: true } } })));
    for (const r of results) expect(r.status).toBe(200);
    const [{ preferences }] = await t.db.query(`SELECT preferences FROM users WHERE user_id = $1`, [u.user_id]);
    expect(preferences).toEqual({
      keep: 'me',
      ...Object.fromEntries(keys.map((k, i) => [k, i])),
      shared: Object.fromEntries(keys.map((k) => [k, true])),
    });
  });

  it('answers 422 when the merged result would exceed 16 KiB, and stores nothing', async () => {
    const u = await seedUser(t.db, { preferences: { a: 'x'.repeat(9000) } });
    const res = await patch(u.token, { preferences: { b: 'y'.repeat(9000) } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toHaveLength(1);
    expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'preferences'] });
    expect(res.body.detail[0].msg).toMatch(/^Value error, .*16384 bytes/);
    const [{ preferences }] = await t.db.query(`SELECT preferences FROM users WHERE user_id = $1`, [u.user_id]);
    expect(Object.keys(preferences)).toEqual(['a']);
    // The patch alone over the limit is refused by the body check.
    const alone = await patch(u.token, { preferences: { c: 'z'.repeat(17000) } });
    expect(alone.status).toBe(422);
  });

  it('validates the body', async () => {
    const u = await seedUser(t.db);
    const missing = await patch(u.token, {});
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'preferences'], msg: 'Field required', input: {} }]);
    for (const bad of [{ preferences: null }, { preferences: 'dark' }, { preferences: [1] }]) {
      const res = await patch(u.token, bad);
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'dict_type', loc: ['body', 'preferences'] });
    }
    expect((await t.http.patch('/v1/users/me/preferences').send({ preferences: {} })).status).toBe(401);
  });

  it('is also reachable through PUT, which replaces the whole object', async () => {
    const u = await seedUser(t.db, { preferences: { a: 1, b: 2 } });
    const res = await t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send({ preferences: { c: 3 } });
    expect(res.body.preferences).toEqual({ c: 3 });
  });
});
