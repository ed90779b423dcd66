import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';

const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123';

describe('metrics behind a token, no-store on authenticated responses', () => {
  let t: TestApp;
  let user: SeedUser;
  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN });
    user = await seedUser(t.db);
  });
  afterAll(() => t?.close());

  it('answers /metrics only to Authorization: Bearer <METRICS_TOKEN>, else 401 with WWW-Authenticate', async () => {
    const refused = ['', 'Bearer', `Bearer ${METRICS_TOKEN}x`, `Bearer ${METRICS_TOKEN.slice(0, -1)}`, `Basic ${METRICS_TOKEN}`, `Bearer ${user.token}`, `Bearer ${METRICS_TOKEN} extra`];
    for (const authorization of refused) {
      const req = t.http.get('/metrics');
      const res = authorization ? await req.set('Authorization', authorization) : await req;
      expect(res.status, authorization).toBe(401);
      expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).not.toContain('http_requests_total');
    }
    for (const scheme of ['Bearer', 'bearer']) {
      const ok = await t.http.get('/metrics').set('Authorization', `${scheme} ${METRICS_TOKEN}`);
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/^http_requests_total/m);
      expect(ok.headers['cache-control']).toBe('no-store');
    }
  });

  it('sends Cache-Control: no-store on every response of an authenticated route, errors included', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const responses = [
      await t.http.get('/v1/users/me').set(bearer(user.token)),
      await t.http.get('/v1/users/me'),
      await t.http.get('/v1/users/me').set(bearer('not-a-token')),
      await t.http.get(`/v1/users/${missing}`).set(bearer(user.token)),
      await t.http.get('/v1/users?workspace_id=nope').set(bearer(user.token)),
      await t.http.post('/v1/users').set(bearer(user.token)).send({}),
      await t.http.patch('/v1/users/me/preferences').set(bearer(user.token)).send({ preferences: { a: 1 } }),
      await t.http.get('/v1/orgs').set(bearer(user.token)),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 401, 404, 422, 403, 200, 200]);
    for (const res of responses) expect(res.headers['cache-control'], `${res.status} ${res.req.path}`).toBe('no-store');
    // Public documents keep their own caching.
    expect((await t.http.get('/.well-known/jwks.json')).headers['cache-control']).toBe('public, max-age=300');
  });
});

describe('TRUST_PROXY: per-IP rate limits behind a load balancer', () => {
  const login = (t: TestApp, forwardedFor: string) =>
    t.http.post('/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ login: `nobody_${randomBytes(6).toString('hex')}@example.com`, password: 'wrong-password' });

  it('counts the address the trusted proxy saw, not the proxy, and not what the client prepends', async () => {
    const t = await createTestApp({ TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_MINUTE: '3' });
    try {
      for (let i = 0; i < 3; i++) expect((await login(t, '203.0.113.7')).status).toBe(401);
      expect((await login(t, '203.0.113.7')).status).toBe(429);
      // A client cannot escape its count by sending an address of its own in front.
      expect((await login(t, '198.51.100.1, 203.0.113.7')).status).toBe(429);
      // Another client behind the same proxy has its own count.
      expect((await login(t, '203.0.113.8')).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-For by default: every request counts for the connection address', async () => {
    const t = await createTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '3' });
    try {
      for (let i = 0; i < 3; i++) expect((await login(t, `203.0.113.${10 + i}`)).status).toBe(401);
      expect((await login(t, '203.0.113.99')).status).toBe(429);
    } finally {
      await t.close();
    }
  });
});
