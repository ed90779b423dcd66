import { createRequire } from 'node:module';
import { KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_KEYS } from '../../dist/auth/jwt-keys.js';
import { RefreshTokens } from '../../dist/auth/refresh-tokens.js';
import { bearer, createTestApp, expectErrorShape, seedUser, signToken, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { expectUserObject } from './users.fixtures.js';

const secret = TEST_JWT_SECRET;
const decodeJwt = (token: string) => jwt.decode(token) as jwt.JwtPayload;

function expect401(res: { status: number; body: any; headers: Record<string, string> }, message: string) {
  expect(res.status).toBe(401);
  expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
  expect(res.body.message).toBe(message);
  expect(res.body.details).toEqual({});
  expect(res.headers['www-authenticate']).toBe('Bearer');
}

function expectTokenPair(body: any, ttl = 900) {
  expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
  expect(body.token_type).toBe('bearer');
  expect(body.expires_in).toBe(ttl);
  expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const claims = decodeJwt(body.access_token);
  expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
  expect(claims.exp! - claims.iat!).toBe(ttl);
  return claims;
}

describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
  });
  afterAll(() => t?.close());

  describe('login', () => {
    it('accepts login, email or username, sets last_login, and the token authenticates', async () => {
      const u = await seedUser(t.db);
      for (const body of [{ login: u.email }, { login: u.username }, { email: u.email }, { username: u.username }, { login: u.email.toUpperCase() }]) {
        const res = await t.http.post('/v1/auth/login').send({ ...body, password: TEST_PASSWORD });
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const claims = expectTokenPair(res.body);
        expect(claims.sub).toBe(u.user_id);
        expect(claims.iss).toBe('identity-service');
        expect(claims.aud).toBe('identity-service');
        const me = await t.http.get('/v1/users/me').set(bearer(res.body.access_token));
        expect(me.status).toBe(200);
        expectUserObject(me.body, { user_id: u.user_id });
        expect(Date.now() - Date.parse(me.body.last_login)).toBeLessThan(60_000);
      }
    });

    it('sets last_login without moving updated_at (a login is not an edit of the record)', async () => {
      const u = await seedUser(t.db);
      const [before] = await t.db.query(`SELECT updated_at FROM users WHERE user_id = $1`, [u.user_id]);
      const res = await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD });
      expect(res.status).toBe(200);
      const [after] = await t.db.query(`SELECT updated_at, last_login FROM users WHERE user_id = $1`, [u.user_id]);
      expect(after.last_login).not.toBeNull();
      expect(after.updated_at.toISOString()).toBe(before.updated_at.toISOString());
      await t.db.query(`UPDATE users SET full_name = 'Edited' WHERE user_id = $1`, [u.user_id]);
      const [edited] = await t.db.query(`SELECT updated_at FROM users WHERE user_id = $1`, [u.user_id]);
      expect(edited.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    });

    it('answers the same 401 for an unknown login and a wrong password', async () => {
      const u = await seedUser(t.db);
      const unknown = await t.http.post('/v1/auth/login').send({ login: 'nobody@example.com', password: TEST_PASSWORD });
      const wrong = await t.http.post('/v1/auth/login').send({ login: u.email, password: 'not-the-password' });
      for (const res of [unknown, wrong]) expect401(res, 'Invalid credentials');
      expect({ ...unknown.body, timestamp: 0 }).toEqual({ ...wrong.body, timestamp: 0 });
      const [{ last_login }] = await t.db.query(`SELECT last_login FROM users WHERE user_id = $1`, [u.user_id]);
      expect(last_login).toBeNull();
    });

    it('spends the same time on an unknown login as on a wrong password (dummy hash)', async () => {
      // A costlier hash than the other tests use, so that the argon2 work dominates the noise.
      const heavy = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password', ARGON2_MEMORY_KIB: '16384', ARGON2_TIME_COST: '2' });
      try {
        const u = await seedUser(heavy.db);
        // A first good login re-hashes the seeded password with the service's parameters.
        expect((await heavy.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD })).status).toBe(200);
        // CPU time of this process (the app runs in it; argon2's worker threads count too), not
        // wall time: it measures the work done and does not swing with the machine's load.
        const time = async (login: string) => {
          const start = process.cpuUsage();
          const res = await heavy.http.post('/v1/auth/login').send({ login, password: 'wrong-password' });
          expect(res.status).toBe(401);
          const used = process.cpuUsage(start);
          return (used.user + used.system) / 1000;
        };
        const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const unknown: number[] = [];
        const wrong: number[] = [];
        for (let i = 0; i < 9; i++) {
          unknown.push(await time(`ghost${i}@example.com`));
          wrong.push(await time(u.email));
        }
        // Both run one argon2 verification with the same parameters; skipping it for an unknown
        // login would make those answers several times faster.
        const ratio = median(unknown) / median(wrong);
        expect(ratio, `unknown ${median(unknown)} ms CPU, wrong ${median(wrong)} ms CPU`).toBeGreaterThan(0.6);
        expect(ratio, `unknown ${median(unknown)} ms CPU, wrong ${median(wrong)} ms CPU`).toBeLessThan(1.67);
      } finally {
        await heavy.close();
      }
    });

    it('refuses a disabled account once its password is right', async () => {
      const u = await seedUser(t.db, { is_active: false });
      expect401(await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD }), 'Account is disabled');
      expect401(await t.http.post('/v1/auth/login').send({ login: u.email, password: 'wrong-password' }), 'Invalid credentials');
    });

    it('validates the body (422) without echoing the password', async () => {
      const missing = await t.http.post('/v1/auth/login').send({ password: 'secret-value' });
      expect(missing.status).toBe(422);
      expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'login'], msg: 'Field required', input: { password: '**********' } }]);
      const bad = await t.http.post('/v1/auth/login').send({ login: 'x', password: 12345678 });
      expect(bad.status).toBe(422);
      expect(bad.body.detail).toEqual([{ type: 'string_type', loc: ['body', 'password'], msg: 'Input should be a valid string', input: '**********' }]);
      expect(JSON.stringify(missing.body) + JSON.stringify(bad.body)).not.toMatch(/secret-value|12345678/);
    });

    it('upgrades a hash made with other parameters on the next login', async () => {
      const argon2 = await import('argon2');
      const old = await argon2.hash(TEST_PASSWORD, { type: argon2.argon2id, memoryCost: 2048, timeCost: 1 });
      const u = await seedUser(t.db, { password_hash: old });
      expect((await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD })).status).toBe(200);
      const [{ password_hash }] = await t.db.query(`SELECT password_hash FROM users WHERE user_id = $1`, [u.user_id]);
      expect(password_hash).toMatch(/^\$argon2id\$v=19\$m=4096,p=1,t=1\$/);
      expect(password_hash).not.toBe(old);
      expect((await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD })).status).toBe(200);
    });
  });

  describe('token (OAuth2 password grant)', () => {
    it('answers a form-encoded grant like login', async () => {
      const u = await seedUser(t.db);
      const res = await t.http.post('/v1/auth/token').type('form').send({ grant_type: 'password', username: u.email, password: TEST_PASSWORD });
      expect(res.status).toBe(200);
      expect(expectTokenPair(res.body).sub).toBe(u.user_id);
      const byName = await t.http.post('/v1/auth/token').type('form').send({ username: u.username, password: TEST_PASSWORD, scope: '' });
      expect(byName.status).toBe(200);
    });

    it('refuses bad credentials and another grant type', async () => {
      const u = await seedUser(t.db);
      expect401(await t.http.post('/v1/auth/token').type('form').send({ username: u.email, password: 'nope-nope' }), 'Invalid credentials');
      const other = await t.http.post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', username: u.email, password: TEST_PASSWORD });
      expect(other.status).toBe(422);
      expect(other.body.detail[0]).toMatchObject({ type: 'enum', loc: ['body', 'grant_type'] });
    });
  });

  describe('refresh and logout', () => {
    const login = async () => {
      const u = await seedUser(t.db);
      const res = await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD });
      return { user: u, pair: res.body };
    };
    const refresh = (token: string) => t.http.post('/v1/auth/refresh').send({ refresh_token: token });

    it('rotates: a new pair each time, in the same session, and the old token is spent', async () => {
      const { user, pair } = await login();
      const first = await refresh(pair.refresh_token);
      expect(first.status).toBe(200);
      expect(first.headers['cache-control']).toBe('no-store');
      const claims = expectTokenPair(first.body);
      expect(claims.sub).toBe(user.user_id);
      expect(claims.sid).toBe(decodeJwt(pair.access_token).sid);
      expect(first.body.refresh_token).not.toBe(pair.refresh_token);
      const second = await refresh(first.body.refresh_token);
      expect(second.status).toBe(200);
      const rows = await t.db.query(`SELECT token_hash, used_at, revoked_at FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at`, [user.user_id]);
      expect(rows).toHaveLength(3);
      expect(rows.map((r: any) => [r.used_at !== null, r.revoked_at !== null])).toEqual([[true, false], [true, false], [false, false]]);
      // Only the sha256 is stored.
      for (const r of rows) expect(r.token_hash).toHaveLength(32);
      const raw = JSON.stringify(await t.db.query(`SELECT encode(token_hash, 'escape') AS h FROM refresh_tokens`));
      expect(raw).not.toContain(pair.refresh_token);
    });

    it('treats a spent token presented again as theft: 401 and the whole family is revoked', async () => {
      const { pair } = await login();
      const next = (await refresh(pair.refresh_token)).body;
      expect401(await refresh(pair.refresh_token), 'Authentication required');
      // The legitimate successor is dead too.
      expect401(await refresh(next.refresh_token), 'Authentication required');
    });

    it('lets only one of two concurrent uses of a token win, and then revokes the family', async () => {
      const { pair } = await login();
      const results = await Promise.all([refresh(pair.refresh_token), refresh(pair.refresh_token)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      const winner = results.find((r) => r.status === 200)!;
      expect401(await refresh(winner.body.refresh_token), 'Authentication required');
    });

    it('refuses unknown, expired, and disabled or deleted users’ tokens', async () => {
      expect401(await refresh('x'.repeat(43)), 'Authentication required');
      const expired = await login();
      await t.db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [expired.user.user_id]);
      expect401(await refresh(expired.pair.refresh_token), 'Authentication required');
      const disabled = await login();
      await t.db.query(`UPDATE users SET is_active = false WHERE user_id = $1`, [disabled.user.user_id]);
      expect401(await refresh(disabled.pair.refresh_token), 'Account is disabled');
      const deleted = await login();
      await t.db.query(`DELETE FROM users WHERE user_id = $1`, [deleted.user.user_id]);
      expect401(await refresh(deleted.pair.refresh_token), 'Authentication required');
      const missing = await t.http.post('/v1/auth/refresh').send({});
      expect(missing.status).toBe(422);
      expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'refresh_token'] });
    });

    it('purges expired refresh tokens and only those', async () => {
      const { user } = await login();
      await login();
      await t.db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [user.user_id]);
      const count = async (where: string) => (await t.db.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE ${where}`))[0].n;
      const expired = await count('expires_at < now()');
      const live = await count('expires_at >= now()');
      expect(expired).toBeGreaterThanOrEqual(1);
      expect(await t.app.get(RefreshTokens).purgeExpired()).toBe(expired);
      expect(await count('expires_at < now()')).toBe(0);
      expect(await count('expires_at >= now()')).toBe(live);
    });

    it('logout with a refresh token revokes its family (204)', async () => {
      const { pair } = await login();
      const next = (await refresh(pair.refresh_token)).body;
      const res = await t.http.post('/v1/auth/logout').set(bearer(next.access_token)).send({ refresh_token: next.refresh_token });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect401(await refresh(next.refresh_token), 'Authentication required');
    });

    it('logout without a body ends the session of the access token, not the other sessions', async () => {
      const { user, pair } = await login();
      const other = (await t.http.post('/v1/auth/login').send({ login: user.email, password: TEST_PASSWORD })).body;
      expect((await t.http.post('/v1/auth/logout').set(bearer(pair.access_token))).status).toBe(204);
      expect401(await refresh(pair.refresh_token), 'Authentication required');
      expect((await refresh(other.refresh_token)).status).toBe(200);
    });

    it("logout ignores another user's refresh token and requires authentication", async () => {
      const a = await login();
      const b = await login();
      expect((await t.http.post('/v1/auth/logout').set(bearer(a.pair.access_token)).send({ refresh_token: b.pair.refresh_token })).status).toBe(204);
      expect((await refresh(b.pair.refresh_token)).status).toBe(200);
      expect401(await t.http.post('/v1/auth/logout').send({ refresh_token: a.pair.refresh_token }), 'Authentication required');
    });
  });

  describe('access-token verification: every 401', () => {
    let user: Awaited<ReturnType<typeof seedUser>>;
    beforeAll(async () => {
      user = await seedUser(t.db);
    });
    const me = (authorization?: string) => {
      const req = t.http.get('/v1/users/me');
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };
    const sign = (claims: Record<string, unknown>, header: jwt.JwtHeader = { alg: 'HS256' }, key: string = secret) =>
      jwt.sign({ jti: randomUUID(), ...claims }, key, {
        algorithm: header.alg as jwt.Algorithm,
        header,
        issuer: 'identity-service',
        audience: 'identity-service',
        subject: user.user_id,
        expiresIn: '15m',
      });

    it('accepts a valid token', async () => {
      expect((await me(`Bearer ${user.token}`)).status).toBe(200);
    });

    it('no header', async () => expect401(await me(), 'Authentication required'));
    it('another scheme', async () => expect401(await me(`Basic ${Buffer.from('a:b').toString('base64')}`), 'Authentication required'));
    it('malformed token', async () => expect401(await me('Bearer not.a.jwt'), 'Authentication required'));
    it('garbage', async () => expect401(await me('Bearer ' + 'x'.repeat(50)), 'Authentication required'));

    it('anything but exactly `Bearer <token>` (scheme in any case)', async () => {
      expect401(await me(`Bearer ${user.token} junk`), 'Authentication required');
      expect401(await me(`Bearer ${user.token} ${user.token}`), 'Authentication required');
      expect401(await me(`Bearer\t${user.token}`), 'Authentication required');
      expect401(await me(`Bearer`), 'Authentication required');
      expect((await me(`bEaReR ${user.token}`)).status).toBe(200);
    });

    it('expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = jwt.sign({ jti: randomUUID(), sub: user.user_id, iss: 'identity-service', aud: 'identity-service', iat: now - 3600, exp: now - 60 }, secret);
      expect401(await me(`Bearer ${token}`), 'Token expired');
    });

    it('wrong signature', async () => {
      expect401(await me(`Bearer ${await signToken({ sub: user.user_id }, { secret: 'another-secret-that-is-long-enough-for-hs256' })}`), 'Authentication required');
      const token = user.token.split('.');
      expect401(await me(`Bearer ${token[0]}.${token[1]}.${token[2].slice(0, -4)}AAAA`), 'Authentication required');
    });

    it('alg none', async () => {
      const payload = Buffer.from(JSON.stringify({ sub: user.user_id, iss: 'identity-service', aud: 'identity-service', jti: randomUUID(), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      expect401(await me(`Bearer ${header}.${payload}.`), 'Authentication required');
    });

    it('another algorithm with the same secret (HS512)', async () => {
      expect401(await me(`Bearer ${await sign({}, { alg: 'HS512' })}`), 'Authentication required');
    });

    it('wrong issuer or audience', async () => {
      expect401(await me(`Bearer ${await signToken({ sub: user.user_id, iss: 'someone-else' })}`), 'Authentication required');
      expect401(await me(`Bearer ${await signToken({ sub: user.user_id, aud: 'another-service' })}`), 'Authentication required');
    });

    it('a subject that is not a user id, or no jti', async () => {
      expect401(await me(`Bearer ${await signToken({ sub: 'admin' })}`), 'Authentication required');
      const noJti = jwt.sign({}, secret, { subject: user.user_id, issuer: 'identity-service', audience: 'identity-service', expiresIn: '5m' });
      expect401(await me(`Bearer ${noJti}`), 'Authentication required');
    });

    it('deleted user: the token stops working at once', async () => {
      const doomed = await seedUser(t.db);
      expect((await me(`Bearer ${doomed.token}`)).status).toBe(200);
      await t.db.query(`DELETE FROM users WHERE user_id = $1`, [doomed.user_id]);
      expect401(await me(`Bearer ${doomed.token}`), 'Authentication required');
    });

    it('disabled user: the token stops working at once', async () => {
      const disabled = await seedUser(t.db);
      await t.db.query(`UPDATE users SET is_active = false WHERE user_id = $1`, [disabled.user_id]);
      expect401(await me(`Bearer ${disabled.token}`), 'Account is disabled');
    });
  });

  describe('several applications in one process', () => {
    it('each verifies with its own keys and database, before and after the other closes', async () => {
      const other = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password', JWT_SECRET: 'a-different-secret-that-is-long-enough-for-hs256' });
      try {
        const mine = await seedUser(t.db);
        const theirs = await seedUser(other.db);
        const theirToken = await signToken({ sub: theirs.user_id }, { secret: 'a-different-secret-that-is-long-enough-for-hs256' });
        expect((await t.http.get('/v1/users/me').set(bearer(mine.token))).status).toBe(200);
        expect((await other.http.get('/v1/users/me').set(bearer(theirToken))).body.user_id).toBe(theirs.user_id);
        expect((await t.http.get('/v1/users/me').set(bearer(theirToken))).status).toBe(401);
        expect((await other.http.get('/v1/users/me').set(bearer(mine.token))).status).toBe(401);
      } finally {
        await other.close();
      }
      const after = await seedUser(t.db);
      expect((await t.http.get('/v1/users/me').set(bearer(after.token))).status).toBe(200);
    });
  });

  describe('keys', () => {
    it('publishes an empty key set with HS256 (a shared secret is never published)', async () => {
      const res = await t.http.get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ keys: [] });
    });

    it('hands jsonwebtoken a KeyObject, never a string (a string costs ~420 µs per request)', async () => {
      const keys = t.app.get(JWT_KEYS);
      expect(keys.verifyKey).toBeInstanceOf(KeyObject);
      expect(keys.verifyKey.type).toBe('secret');
      // And it is what the verifier passes on: watch jsonwebtoken.verify during a request.
      const jsonwebtoken = createRequire(import.meta.url)('jsonwebtoken');
      const original = jsonwebtoken.verify;
      const seen: unknown[] = [];
      jsonwebtoken.verify = (token: string, key: unknown, ...rest: unknown[]) => {
        seen.push(key);
        return original.call(jsonwebtoken, token, key, ...rest);
      };
      try {
        const u = await seedUser(t.db);
        expect((await t.http.get('/v1/users/me').set(bearer(u.token))).status).toBe(200);
      } finally {
        jsonwebtoken.verify = original;
      }
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(KeyObject);
    });
  });
});
