import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, recordQueries, seedUser, signToken, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { seedAdmin } from './users.fixtures.js';

interface Session {
  access_token: string;
  refresh_token: string;
}

/** Access tokens end with their session, on the very next request, not at their `exp`. */
describe('sessions end at once', () => {
  let t: TestApp;
  let admin: SeedUser;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
    admin = await seedAdmin(t.db);
  });
  afterAll(() => t?.close());

  const signIn = async (user: SeedUser, password = TEST_PASSWORD): Promise<Session> => {
    const res = await t.http.post('/v1/auth/login').send({ login: user.email, password });
    expect(res.status).toBe(200);
    return res.body;
  };
  const me = (token: string) => t.http.get('/v1/users/me').set(bearer(token));
  const refresh = (token: string) => t.http.post('/v1/auth/refresh').send({ refresh_token: token });
  const expect401 = (res: { status: number; body: unknown }, message = 'Authentication required') => {
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
    expect((res.body as { message: string }).message).toBe(message);
  };

  it('logout without a body: the access token of that session is refused at once', async () => {
    const s = await signIn(await seedUser(t.db));
    expect((await me(s.access_token)).status).toBe(200);
    expect((await t.http.post('/v1/auth/logout').set(bearer(s.access_token))).status).toBe(204);
    expect401(await me(s.access_token));
  });

  it('logout with a refresh token: the access tokens of its session are refused, other sessions go on', async () => {
    const user = await seedUser(t.db);
    const [a, b] = [await signIn(user), await signIn(user)];
    expect((await t.http.post('/v1/auth/logout').set(bearer(b.access_token)).send({ refresh_token: a.refresh_token })).status).toBe(204);
    expect401(await me(a.access_token));
    expect((await me(b.access_token)).status).toBe(200);
  });

  it('password change: every other session ends at once, the one that changed it stays', async () => {
    const user = await seedUser(t.db);
    const [changer, other] = [await signIn(user), await signIn(user)];
    const res = await t.http.put(`/v1/users/${user.user_id}`).set(bearer(changer.access_token)).send({ password: 'a-new-password', current_password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    expect401(await me(other.access_token));
    expect401(await refresh(other.refresh_token));
    expect((await me(changer.access_token)).status).toBe(200);
    expect((await refresh(changer.refresh_token)).status).toBe(200);
    // A token issued without a session ends too.
    expect401(await me(user.token));
  });

  it('password set by an admin: every session of the user ends at once', async () => {
    const user = await seedUser(t.db);
    const s = await signIn(user);
    expect((await t.http.put(`/v1/users/${user.user_id}`).set(bearer(admin.token)).send({ password: 'set-by-an-admin' })).status).toBe(200);
    expect401(await me(s.access_token));
    expect401(await refresh(s.refresh_token));
  });

  it('refresh-token reuse: the access tokens of the whole family are refused at once', async () => {
    const s = await signIn(await seedUser(t.db));
    const next: Session = (await refresh(s.refresh_token)).body;
    expect((await me(next.access_token)).status).toBe(200);
    expect401(await refresh(s.refresh_token));
    expect401(await me(s.access_token));
    expect401(await me(next.access_token));
  });

  it('deactivation: tokens are refused at once and stay dead after reactivation', async () => {
    const user = await seedUser(t.db);
    const s = await signIn(user);
    const setActive = (is_active: boolean) => t.http.put(`/v1/users/${user.user_id}`).set(bearer(admin.token)).send({ is_active });
    expect((await setActive(false)).status).toBe(200);
    expect401(await me(s.access_token), 'Account is disabled');
    expect((await setActive(true)).status).toBe(200);
    expect401(await me(s.access_token));
    expect401(await refresh(s.refresh_token));
    expect401(await me(user.token));
    expect((await signIn(user)).access_token).toBeTruthy();
  });

  it('checks the session in the same single query that loads the caller', async () => {
    const s = await signIn(await seedUser(t.db));
    const { result: res, sql } = await recordQueries(() => me(s.access_token));
    expect(res.status).toBe(200);
    expect(sql).toHaveLength(1);
    expect(sql[0]).toContain('refresh_tokens');
  });

  it('refuses a session id that is not a UUID', async () => {
    const user = await seedUser(t.db);
    expect401(await me(await signToken({ sub: user.user_id, sid: 'not-a-session' })));
    expect401(await me(await signToken({ sub: user.user_id, sid: '00000000-0000-4000-8000-000000000000' })));
  });
});
