import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisThrottlerStorage } from '../../dist/auth/rate-limit/redis-throttler.storage.js';
import { createTestApp, expectErrorShape, seedUser, TEST_PASSWORD, type TestApp } from '../support/app.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** Serves the app on 127.0.0.1 and sends requests from any loopback address, so tests can vary the client IP. */
async function serve(t: TestApp): Promise<number> {
  const server = t.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(port: number, from: string, path: string, body: Record<string, string>, form = false): Promise<Reply> {
  const payload = form ? new URLSearchParams(body).toString() : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method: 'POST',
        path,
        headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A loopback address no other test uses (counters live for a minute, in Redis across runs too). */
const freshIp = () => `127.${1 + (randomBytes(1)[0] % 250)}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
const freshName = () => `nobody_${randomBytes(6).toString('hex')}@example.com`;

function expect429(res: Reply) {
  expect(res.status).toBe(429);
  expectErrorShape(res.body, 429, 'RATE_LIMITED');
  expect(res.body.message).toBe('Too many requests');
  const seconds = res.body.details.retry_after_seconds;
  expect(Object.keys(res.body.details)).toEqual(['retry_after_seconds']);
  expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
  expect(res.headers['retry-after']).toBe(String(seconds));
}

for (const store of ['memory', 'redis'] as const) {
  describe(`rate limits on login, token and refresh (${store} counters)`, () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await createTestApp({
        RATE_LIMIT_LOGIN_PER_MINUTE: '3',
        RATE_LIMIT_REFRESH_PER_MINUTE: '3',
        ADMIN_PASSWORD: 'bootstrap-password',
        ...(store === 'redis' ? { REDIS_URL: 'redis://127.0.0.1:6379' } : {}),
      });
      port = await serve(t);
    });
    afterAll(() => t?.close());

    it('limits each client IP (429 with Retry-After), not the others', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) expect((await send(port, ip, '/v1/auth/login', { login: freshName(), password: 'wrong-password' })).status).toBe(401);
      expect429(await send(port, ip, '/v1/auth/login', { login: freshName(), password: 'wrong-password' }));
      // Even the right password waits: the window is closed for this address.
      const u = await seedUser(t.db);
      expect429(await send(port, ip, '/v1/auth/login', { login: u.email, password: TEST_PASSWORD }));
      expect((await send(port, freshIp(), '/v1/auth/login', { login: u.email, password: TEST_PASSWORD })).status).toBe(200);
    });

    it('limits each login name across addresses, and login and token share the count', async () => {
      const u = await seedUser(t.db);
      expect((await send(port, freshIp(), '/v1/auth/login', { login: u.email, password: 'wrong-password' })).status).toBe(401);
      expect((await send(port, freshIp(), '/v1/auth/token', { username: u.email.toUpperCase(), password: 'wrong-password' }, true)).status).toBe(401);
      expect((await send(port, freshIp(), '/v1/auth/login', { email: u.email, password: 'wrong-password' })).status).toBe(401);
      expect429(await send(port, freshIp(), '/v1/auth/token', { username: u.email, password: TEST_PASSWORD }, true));
      // Another name from the same kind of fresh address is unaffected.
      const other = await seedUser(t.db);
      expect((await send(port, freshIp(), '/v1/auth/login', { login: other.username, password: TEST_PASSWORD })).status).toBe(200);
    });

    it('counts every spelling of one account in one bucket (case, email or username, NFKC, the database folding İ)', async () => {
      const name = `alice_${randomBytes(5).toString('hex')}`;
      const u = await seedUser(t.db, { username: name, email: `${name}@example.com` });
      // U+0130 folds to "i" in the database, so this spelling signs in to the same account.
      expect((await send(port, freshIp(), '/v1/auth/login', { login: name.replace('i', '\u0130'), password: TEST_PASSWORD })).status).toBe(200);
      expect((await send(port, freshIp(), '/v1/auth/token', { username: u.email.toUpperCase(), password: 'wrong-password' }, true)).status).toBe(401);
      expect((await send(port, freshIp(), '/v1/auth/login', { login: `\uff41${u.email.slice(1)}`, password: 'wrong-password' })).status).toBe(401);
      expect429(await send(port, freshIp(), '/v1/auth/login', { login: name, password: TEST_PASSWORD }));
    });

    it('limits refresh per client IP', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) expect((await send(port, ip, '/v1/auth/refresh', { refresh_token: 'unknown-token' })).status).toBe(401);
      expect429(await send(port, ip, '/v1/auth/refresh', { refresh_token: 'unknown-token' }));
    });
  });
}

describe('RedisThrottlerStorage against the Redis at 127.0.0.1:6379', () => {
  const prefix = `identity-test:${randomBytes(6).toString('hex')}:`;
  let a: RedisThrottlerStorage;
  let b: RedisThrottlerStorage;
  beforeAll(async () => {
    a = new RedisThrottlerStorage('redis://127.0.0.1:6379', { prefix });
    b = new RedisThrottlerStorage('redis://127.0.0.1:6379', { prefix });
    expect(await a.ready(), 'Redis must be reachable at 127.0.0.1:6379').toBe(true);
    expect(await b.ready()).toBe(true);
  });
  afterAll(async () => {
    await a?.onApplicationShutdown();
    await b?.onApplicationShutdown();
  });

  it('counts atomically across instances, blocks past the limit, and expires', async () => {
    const hits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).increment('k1', 1000, 100, 1500, 'ip')));
    expect(hits.map((h) => h.totalHits).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const h of hits) expect(h).toMatchObject({ isBlocked: false, timeToBlockExpire: 0 });
    expect(hits[0].timeToExpire).toBe(1);

    expect(await a.increment('k2', 1000, 2, 1500, 'ip')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await b.increment('k2', 1000, 2, 1500, 'ip')).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await a.increment('k2', 1000, 2, 1500, 'ip')).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 2 });
    // Blocked requests do not count further, on any instance.
    expect(await b.increment('k2', 1000, 2, 1500, 'ip')).toMatchObject({ totalHits: 3, isBlocked: true });
    // A counter of another throttler name is separate.
    expect(await b.increment('k2', 1000, 2, 1500, 'login')).toMatchObject({ totalHits: 1, isBlocked: false });
    await new Promise((r) => setTimeout(r, 1600));
    expect(await b.increment('k2', 1000, 2, 1500, 'ip')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('falls back to memory counters when Redis cannot be reached', async () => {
    const down = new RedisThrottlerStorage('redis://127.0.0.1:1', { prefix, redis: { retryStrategy: () => null } });
    try {
      const start = Date.now();
      expect(await down.increment('k3', 60_000, 1, 60_000, 'ip')).toMatchObject({ totalHits: 1, isBlocked: false });
      expect(await down.increment('k3', 60_000, 1, 60_000, 'ip')).toMatchObject({ isBlocked: true });
      expect(Date.now() - start).toBeLessThan(2000);
    } finally {
      await down.onApplicationShutdown();
    }
  });
});
