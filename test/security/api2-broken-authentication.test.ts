import { createSecretKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { bearer, createTestApp, expectErrorShape, seedUser, signToken, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from '../support/app.js';

/**
 * OWASP API2:2023 broken authentication. Every forged, stale or misused credential is tried on
 * every operation that needs authentication (read from `/openapi.json`), not just one endpoint:
 * each must answer 401 in the standard error shape with `WWW-Authenticate: Bearer`, before any other check.
 */

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg` as given) that would be valid if signatures were optional. */
function unsigned(alg: string, sub: string): string {
  const claims = { sub, iss: TEST_ISSUER, aud: TEST_AUDIENCE, jti: randomUUID(), iat: now(), exp: now() + 600 };
  return `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`;
}

/** Signs exactly the claims given (no defaults), with the test secret unless told otherwise. */
function forge(claims: Record<string, unknown>, header: jwt.JwtHeader = { alg: 'HS256' }, key: jwt.Secret = TEST_JWT_SECRET) {
  return jwt.sign(claims, key, { algorithm: header.alg as jwt.Algorithm, header, noTimestamp: claims.iat === undefined });
}

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
}

/** Every operation that needs a token, with the world's ids in its path and an empty body. */
async function authenticatedOperations(t: TestApp, w: World): Promise<Operation[]> {
  const document = (await t.http.get('/openapi.json')).body;
  const ids: Record<string, string> = { org_id: w.orgId, workspace_id: w.workspaceId, member_user_id: w.target.user_id, user_id: w.target.user_id };
  return Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method, spec]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method) && (spec.security ?? document.security ?? []).length > 0)
      .map(([method]) => ({ method: method as Operation['method'], path: template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]) })),
  );
}

describe('API2 broken authentication', () => {
  let t: TestApp;
  let w: World;
  let operations: Operation[];
  let attempts = 0;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t.db);
    operations = await authenticatedOperations(t, w);
  });
  afterAll(async () => {
    console.log(`API2: ${attempts} forged-credential requests over ${operations?.length} operations`);
    await t?.close();
  });

  /** Sends `authorization` to every authenticated operation; all must be 401 in the standard error shape. */
  async function expectRefusedEverywhere(app: TestApp, ops: Operation[], authorization: string, message?: string): Promise<void> {
    const wrong: string[] = [];
    for (const op of ops) {
      attempts++;
      const res = await app.http[op.method](op.path).set('Authorization', authorization).send(op.method === 'get' || op.method === 'delete' ? undefined : {});
      if (res.status !== 401 || res.headers['www-authenticate'] !== 'Bearer' || (message && res.body.message !== message)) {
        wrong.push(`${op.method.toUpperCase()} ${op.path}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
        continue;
      }
      expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
      expect(res.body.details).toEqual({});
    }
    expect(wrong).toEqual([]);
  }

  it('API2 broken authentication: the genuine token of the same user works (the attacks below differ only in the forgery)', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect((await t.http.get('/v1/users/me').set(bearer(w.users.platform.token))).status).toBe(200);
  });

  const attacks: [string, (w: World) => Promise<string> | string, string?][] = [
    ['alg none', (w) => `Bearer ${unsigned('none', w.users.platform.user_id)}`],
    ['alg NONE and None', (w) => `Bearer ${unsigned('NONE', w.users.platform.user_id)}`],
    ['signature stripped from a real token', (w) => `Bearer ${w.users.platform.token.split('.').slice(0, 2).join('.')}.`],
    ['another HMAC algorithm with the right secret (HS512)', async (w) => `Bearer ${await signToken({ sub: w.users.platform.user_id }, { alg: 'HS512' })}`],
    ['signed with another secret', async (w) => `Bearer ${await signToken({ sub: w.users.platform.user_id }, { secret: 'an-attacker-secret-that-is-long-enough-for-hs256' })}`],
    ['expired', async (w) => `Bearer ${await forge({ sub: w.users.platform.user_id, iss: TEST_ISSUER, aud: TEST_AUDIENCE, jti: randomUUID(), iat: now() - 3600, exp: now() - 60 })}`, 'Token expired'],
    ['not yet valid (nbf in an hour)', async (w) => `Bearer ${await forge({ sub: w.users.platform.user_id, iss: TEST_ISSUER, aud: TEST_AUDIENCE, jti: randomUUID(), iat: now(), nbf: now() + 3600, exp: now() + 7200 })}`],
    ['wrong issuer', async (w) => `Bearer ${await signToken({ sub: w.users.platform.user_id, iss: 'https://evil.example' })}`],
    ['wrong audience', async (w) => `Bearer ${await signToken({ sub: w.users.platform.user_id, aud: 'another-service' })}`],
    ['no issuer and no audience', async (w) => `Bearer ${await forge({ sub: w.users.platform.user_id, jti: randomUUID(), iat: now(), exp: now() + 600 })}`],
    [
      "tampered payload (a viewer's token rewritten to name the platform admin)",
      (w) => {
        const [header, payload, signature] = w.users.viewer.token.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        return `Bearer ${header}.${b64({ ...claims, sub: w.users.platform.user_id })}.${signature}`;
      },
    ],
    ['tampered header (kid and jku pointing elsewhere, empty key)', async (w) => `Bearer ${await forge({ sub: w.users.platform.user_id, iss: TEST_ISSUER, aud: TEST_AUDIENCE, jti: randomUUID(), iat: now(), exp: now() + 600 }, { alg: 'HS256', kid: '../../../../dev/null', jku: 'http://127.0.0.1:1/jwks.json' }, Buffer.alloc(32))}`],
    ['a subject that is no user id', async () => `Bearer ${await signToken({ sub: "' OR 1=1 --" })}`],
    ['a well-formed subject of no user', async () => `Bearer ${await signToken({ sub: randomUUID() })}`],
    ['the scheme with no token', () => 'Bearer '],
    ['another scheme with a valid token', (w) => `Basic ${w.users.platform.token}`],
  ];

  for (const [name, make, message] of attacks) {
    it(`API2 broken authentication: ${name} → 401 on every operation`, async () => {
      await expectRefusedEverywhere(t, operations, await make(w), message);
    });
  }

  it("API2 broken authentication: a deleted user's token → 401 on every operation, at once", async () => {
    const doomed = await seedUser(t.db, { roles: ['admin'] });
    expect((await t.http.get('/v1/users/me').set(bearer(doomed.token))).status).toBe(200);
    expect((await t.http.delete(`/v1/users/${doomed.user_id}`).set(bearer(w.users.platform.token))).status).toBe(204);
    await expectRefusedEverywhere(t, operations, `Bearer ${doomed.token}`);
  });

  it("API2 broken authentication: a disabled user's token → 401 'Account is disabled' on every operation", async () => {
    const disabled = await seedUser(t.db, { roles: ['admin'] });
    await t.db.query(`UPDATE users SET is_active = false WHERE user_id = $1`, [disabled.user_id]);
    await expectRefusedEverywhere(t, operations, `Bearer ${disabled.token}`, 'Account is disabled');
  });

  it('API2 broken authentication: a refresh token used as an access token, and an access token used as a refresh token → 401', async () => {
    const login = await t.http.post('/v1/auth/login').send({ login: w.users.member.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    await expectRefusedEverywhere(t, operations, `Bearer ${login.body.refresh_token}`);
    const refresh = await t.http.post('/v1/auth/refresh').send({ refresh_token: login.body.access_token });
    expect(refresh.status).toBe(401);
    expectErrorShape(refresh.body, 401, 'AUTHENTICATION_FAILED');
    // Neither misuse spent anything: the real pair still works.
    expect((await t.http.post('/v1/auth/refresh').send({ refresh_token: login.body.refresh_token })).status).toBe(200);
  });

  it('API2 broken authentication: an unknown login and a wrong password are the same 401 (no account enumeration)', async () => {
    const unknown = await t.http.post('/v1/auth/login').send({ login: 'nobody@example.com', password: 'wrong-password' });
    const wrong = await t.http.post('/v1/auth/login').send({ login: w.users.member.email, password: 'wrong-password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect({ ...unknown.body, timestamp: '' }).toEqual({ ...wrong.body, timestamp: '' });
  });
});

describe('API2 broken authentication with RS256 keys', () => {
  let t: TestApp;
  let w: World;
  let operations: Operation[];
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  beforeAll(async () => {
    t = await createTestApp({ JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), JWT_PUBLIC_KEY: publicPem });
    w = await buildWorld(t.db);
    operations = await authenticatedOperations(t, w);
  });
  afterAll(() => t?.close());

  const claims = (sub: string) => ({ sub, iss: TEST_ISSUER, aud: TEST_AUDIENCE, jti: randomUUID(), iat: now(), exp: now() + 600 });

  it('API2 broken authentication: an RS256 token of the key pair works', async () => {
    const token = await forge(claims(w.users.platform.user_id), { alg: 'RS256' }, privateKey as never);
    expect((await t.http.get('/v1/users/me').set(bearer(token))).status).toBe(200);
  });

  it('API2 broken authentication: HS256 signed with the RS256 public key (algorithm confusion) → 401 on every operation', async () => {
    for (const secret of [publicPem, publicPem.trim(), publicKey.export({ type: 'spki', format: 'der' })]) {
      const token = await forge(claims(w.users.platform.user_id), { alg: 'HS256' }, createSecretKey(Buffer.from(secret)));
      for (const op of operations) {
        const res = await t.http[op.method](op.path).set(bearer(token)).send(op.method === 'get' || op.method === 'delete' ? undefined : {});
        expect(res.status, `${op.method} ${op.path}`).toBe(401);
        expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
      }
    }
  });

  it('API2 broken authentication: alg none and an HS256 token of the default test secret → 401 under RS256', async () => {
    for (const token of [unsigned('none', w.users.platform.user_id), await signToken({ sub: w.users.platform.user_id })]) {
      const res = await t.http.get('/v1/users/me').set(bearer(token));
      expect(res.status).toBe(401);
      expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
    }
  });
});
