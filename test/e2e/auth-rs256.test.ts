import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_KEYS } from '../../dist/auth/jwt-keys.js';
import { bearer, createTestApp, seedUser, signToken, TEST_PASSWORD, type TestApp } from '../support/app.js';

describe('auth with RS256 and the JWKS', () => {
  let t: TestApp;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  beforeAll(async () => {
    // Keys given the way .env holds them: one line with literal \n.
    t = await createTestApp({ JWT_PRIVATE_KEY: privatePem.replace(/\n/g, '\\n'), JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n'), ADMIN_PASSWORD: 'bootstrap-password' });
  });
  afterAll(() => t?.close());

  it('signs with RS256 and a kid that the published key set verifies', async () => {
    const u = await seedUser(t.db);
    const res = await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const header = decodeProtectedHeader(res.body.access_token);
    expect(header.alg).toBe('RS256');

    const jwks = await t.http.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.body.keys).toHaveLength(1);
    const [key] = jwks.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: header.kid });
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);

    const { payload } = await jwtVerify(res.body.access_token, createLocalJWKSet(jwks.body), { issuer: 'identity-service', audience: 'identity-service' });
    expect(payload.sub).toBe(u.user_id);
    expect((await t.http.get('/v1/users/me').set(bearer(res.body.access_token))).status).toBe(200);
  });

  it('refuses HS256 tokens (even one signed with the public key as a secret: algorithm confusion)', async () => {
    const u = await seedUser(t.db);
    expect((await t.http.get('/v1/users/me').set(bearer(u.token))).status).toBe(401);
    const confused = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(u.user_id)
      .setIssuer('identity-service')
      .setAudience('identity-service')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicPem));
    const res = await t.http.get('/v1/users/me').set(bearer(confused));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('verifies with a public KeyObject', () => {
    const keys = t.app.get(JWT_KEYS);
    expect(keys.verifyKey).toBeInstanceOf(KeyObject);
    expect(keys.verifyKey.type).toBe('public');
    expect(keys.algorithm).toBe('RS256');
  });

  it('still refuses a token signed by another RSA key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const u = await seedUser(t.db);
    const token = await new SignJWT({ jti: 'y' }).setProtectedHeader({ alg: 'RS256' }).setSubject(u.user_id).setIssuer('identity-service').setAudience('identity-service').setIssuedAt().setExpirationTime('5m').sign(other);
    expect((await t.http.get('/v1/users/me').set(bearer(token))).status).toBe(401);
    void signToken;
  });
});
