import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
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
    const { header } = jwt.decode(res.body.access_token, { complete: true })!;
    expect(header.alg).toBe('RS256');

    const jwks = await t.http.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
    expect(jwks.body.keys).toHaveLength(1);
    const [key] = jwks.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: header.kid });
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);

    // The published key alone, read back from its JWK form, verifies the token.
    const published = createPublicKey({ key, format: 'jwk' });
    const payload = jwt.verify(res.body.access_token, published, { algorithms: ['RS256'], issuer: 'identity-service', audience: 'identity-service' }) as jwt.JwtPayload;
    expect(payload.sub).toBe(u.user_id);
    expect((await t.http.get('/v1/users/me').set(bearer(res.body.access_token))).status).toBe(200);
  });

  it('refuses HS256 tokens (even one signed with the public key as a secret: algorithm confusion)', async () => {
    const u = await seedUser(t.db);
    expect((await t.http.get('/v1/users/me').set(bearer(u.token))).status).toBe(401);
    const confused = jwt.sign({ jti: 'x' }, Buffer.from(publicPem), {
      algorithm: 'HS256',
      subject: u.user_id,
      issuer: 'identity-service',
      audience: 'identity-service',
      expiresIn: '5m',
    });
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
    const token = jwt.sign({ jti: 'y' }, other, { algorithm: 'RS256', subject: u.user_id, issuer: 'identity-service', audience: 'identity-service', expiresIn: '5m' });
    expect((await t.http.get('/v1/users/me').set(bearer(token))).status).toBe(401);
    void signToken;
  });
});
