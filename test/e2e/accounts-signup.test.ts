import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { eventsOf, tokenOf } from './accounts.fixtures.js';
import { expectUserObject } from './users.fixtures.js';

const body = (suffix: string) => ({ email: `new_${suffix}@example.com`, username: `new_${suffix}`, password: 'sign-up-password', full_name: 'New Person' });

describe('sign-up, when turned off (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
  });
  afterAll(() => t?.close());

  it('is a route that does not exist: the same 404 as any unknown route', async () => {
    const res = await t.http.post('/v1/auth/signup').send(body('off'));
    const unknown = await t.http.post('/v1/auth/nonexistent').send(body('off'));
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
    expect({ ...res.body, timestamp: 0 }).toEqual({ ...unknown.body, timestamp: 0, details: { resource_type: 'route', resource_id: '/v1/auth/signup' } });
    expect((await t.http.get('/v1/auth/signup')).status).toBe(404);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE username = 'new_off'`);
    expect(n).toBe(0);
    const doc = await t.http.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).not.toContain('/v1/auth/signup');
    expect(Object.keys(doc.body.paths)).toContain('/v1/auth/password-reset');
  });
});

describe('sign-up, when turned on', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password', SIGNUP_ENABLED: 'true', SMTP_URL: smtp.url, JOBS_ENABLED: 'true', JOBS_POLL_MS: '50' });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('creates an unverified user, signed in, and mails a verification link', async () => {
    const res = await t.http.post('/v1/auth/signup').send({ ...body('alice'), roles: ['admin'], is_verified: true, is_active: false });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    // Fields a sign-up may not set keep their defaults.
    expectUserObject(res.body.user, { email: 'new_alice@example.com', username: 'new_alice', full_name: 'New Person', is_verified: false, is_active: true, roles: ['user'] });
    const userId = res.body.user.user_id;
    expect((jwt.decode(res.body.access_token) as jwt.JwtPayload).sub).toBe(userId);

    const me = await t.http.get('/v1/users/me').set(bearer(res.body.access_token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user_id: userId, is_verified: false });
    const refreshed = await t.http.post('/v1/auth/refresh').send({ refresh_token: res.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect((await t.http.post('/v1/auth/login').send({ login: 'new_alice', password: 'sign-up-password' })).status).toBe(200);

    const token = tokenOf(await smtp.waitFor('new_alice@example.com'));
    const verified = await t.http.post('/v1/auth/verify-email').send({ token });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ user_id: userId, is_verified: true });
    expect(await eventsOf(t.db, userId, 'user.signed_up')).toEqual([{ actor_type: 'system', actor_id: null, data: expect.objectContaining({ user_id: userId }) }]);
  });

  it('answers 409 for a taken email or username, as POST /v1/users does, and creates nothing', async () => {
    const existing = await seedUser(t.db);
    const email = await t.http.post('/v1/auth/signup').send({ ...body('dup1'), email: existing.email.toUpperCase() });
    expect(email.status).toBe(409);
    expectErrorShape(email.body, 409, 'RESOURCE_CONFLICT');
    expect(email.body.message).toBe('A user with this email already exists');
    expect(email.body.details).toEqual({ resource_type: 'user', field: 'email' });
    const username = await t.http.post('/v1/auth/signup').send({ ...body('dup2'), username: existing.username.toUpperCase() });
    expect(username.status).toBe(409);
    expect(username.body.details).toEqual({ resource_type: 'user', field: 'username' });
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE email IN ('new_dup1@example.com', 'new_dup2@example.com')`);
    expect(n).toBe(0);
    const [{ families }] = await t.db.query(`SELECT count(*)::int AS families FROM refresh_tokens WHERE user_id = $1`, [existing.user_id]);
    expect(families).toBe(0);
  });

  it('holds the fields to the rules of POST /v1/users', async () => {
    const res = await t.http.post('/v1/auth/signup').send({ email: 'not-an-email', username: 'x', password: 'short' });
    expect(res.status).toBe(422);
    const types = res.body.detail.map((d: any) => [d.loc.join('.'), d.type]);
    expect(types).toEqual([
      ['body.email', 'value_error'],
      ['body.username', 'string_too_short'],
      ['body.password', 'string_too_short'],
    ]);
    expect(res.body.detail[2].input).toBe('**********');
  });
});

describe('sign-up: rate limit per client IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password', SIGNUP_ENABLED: 'true', RATE_LIMIT_SIGNUP_PER_MINUTE: '2' });
  });
  afterAll(() => t?.close());

  it('answers 429 past the limit', async () => {
    expect((await t.http.post('/v1/auth/signup').send(body('rl1'))).status).toBe(201);
    expect((await t.http.post('/v1/auth/signup').send(body('rl2'))).status).toBe(201);
    const over = await t.http.post('/v1/auth/signup').send(body('rl3'));
    expect(over.status).toBe(429);
    expectErrorShape(over.body, 429, 'RATE_LIMITED');
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE username = 'new_rl3'`);
    expect(n).toBe(0);
  });
});
