import 'reflect-metadata';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ApiOkResponse } from '@nestjs/swagger';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrentSession, CurrentUser } from '../../dist/auth/current-user.decorator.js';
import { Public } from '../../dist/auth/public.decorator.js';
import { ApiErrors } from '../../dist/common/openapi.js';
import { bearer, createTestApp, seedUser, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, TEST_PASSWORD, type TestApp } from '../support/app.js';

const CALLER = { schema: { type: 'object', additionalProperties: true } };

/** The same handler twice: once behind the service's own guard, once behind `AuthGuard('jwt')` only. */
@Controller('probe-strategy')
class StrategyProbeController {
  @Get('guard')
  @ApiOkResponse(CALLER)
  @ApiErrors(401)
  viaGuard(@CurrentUser() user: { user_id: string }, @CurrentSession() session: string | undefined) {
    return { user_id: user.user_id, session: session ?? null };
  }

  @Public()
  @UseGuards(AuthGuard('jwt'))
  @Get('passport')
  @ApiOkResponse(CALLER)
  @ApiErrors(401)
  viaPassport(@CurrentUser() user: { user_id: string }, @CurrentSession() session: string | undefined) {
    return { user_id: user.user_id, session: session ?? null };
  }
}

@Module({ controllers: [StrategyProbeController] })
class StrategyProbeModule {}

const now = () => Math.floor(Date.now() / 1000);
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

const settings = (() => {
  const own = rsa();
  const pem = (key: ReturnType<typeof rsa>['privateKey'], type: 'pkcs8' | 'spki') => key.export({ type, format: 'pem' }).toString();
  return [
    { alg: 'HS256' as const, env: {}, key: TEST_JWT_SECRET as jwt.Secret, foreignKey: 'another-secret-that-is-long-enough-for-hs256' as jwt.Secret },
    { alg: 'RS256' as const, env: { JWT_PRIVATE_KEY: pem(own.privateKey, 'pkcs8'), JWT_PUBLIC_KEY: pem(own.publicKey, 'spki') }, key: own.privateKey, foreignKey: rsa().privateKey },
  ];
})();

describe.each(settings)('AuthGuard("jwt") answers every token as the service guard does ($alg)', ({ alg, env, key, foreignKey }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password', ...env }, { modules: [StrategyProbeModule] });
  });
  afterAll(() => t?.close());

  const sign = (sub: string, claims: Record<string, unknown> = {}, signingKey: jwt.Secret = key) =>
    jwt.sign({ sub, jti: randomUUID(), iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now(), exp: now() + 600, ...claims }, signingKey, { algorithm: alg });

  /** Status, body (but its timestamp) and challenge header: everything a client can tell apart. */
  async function outcome(path: string, authorization?: string) {
    const req = t.http.get(`/probe-strategy/${path}`);
    const res = await (authorization === undefined ? req : req.set('Authorization', authorization));
    return { status: res.status, body: { ...res.body, timestamp: undefined }, challenge: res.headers['www-authenticate'] };
  }

  async function expectSameOutcome(authorization: string | undefined, expected: { status: number; message?: string }) {
    const viaGuard = await outcome('guard', authorization);
    expect(viaGuard.status).toBe(expected.status);
    if (expected.message) expect(viaGuard.body.message).toBe(expected.message);
    expect(await outcome('passport', authorization)).toEqual(viaGuard);
    return viaGuard;
  }

  it('valid tokens, with and without a session, give the same caller and session', async () => {
    const u = await seedUser(t.db);
    const plain = await expectSameOutcome(`Bearer ${sign(u.user_id)}`, { status: 200 });
    expect(plain.body).toMatchObject({ user_id: u.user_id, session: null });

    const login = await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const { sid } = jwt.decode(login.body.access_token) as jwt.JwtPayload;
    const withSession = await expectSameOutcome(`Bearer ${login.body.access_token}`, { status: 200 });
    expect(withSession.body).toMatchObject({ user_id: u.user_id, session: sid });
  });

  it('expired, wrong audience, wrong issuer and wrong signature give the same 401', async () => {
    const u = await seedUser(t.db);
    await expectSameOutcome(`Bearer ${sign(u.user_id, { iat: now() - 3600, exp: now() - 60 })}`, { status: 401, message: 'Token expired' });
    await expectSameOutcome(`Bearer ${sign(u.user_id, { aud: 'another-service' })}`, { status: 401, message: 'Authentication required' });
    await expectSameOutcome(`Bearer ${sign(u.user_id, { iss: 'someone-else' })}`, { status: 401, message: 'Authentication required' });
    await expectSameOutcome(`Bearer ${sign(u.user_id, {}, foreignKey)}`, { status: 401, message: 'Authentication required' });
    const [header, payload, signature] = sign(u.user_id).split('.');
    await expectSameOutcome(`Bearer ${header}.${payload}.${signature.slice(0, -4)}AAAA`, { status: 401, message: 'Authentication required' });
  });

  it('a revoked session, a disabled account and a missing or malformed header give the same 401', async () => {
    const u = await seedUser(t.db);
    const login = await t.http.post('/v1/auth/login').send({ login: u.email, password: TEST_PASSWORD });
    const token = login.body.access_token;
    await expectSameOutcome(`Bearer ${token}`, { status: 200 });
    expect((await t.http.post('/v1/auth/logout').set(bearer(token)).send({})).status).toBe(204);
    await expectSameOutcome(`Bearer ${token}`, { status: 401, message: 'Authentication required' });

    const disabled = await seedUser(t.db, { is_active: false });
    await expectSameOutcome(`Bearer ${sign(disabled.user_id)}`, { status: 401, message: 'Account is disabled' });
    await expectSameOutcome(undefined, { status: 401, message: 'Authentication required' });
    await expectSameOutcome(`Bearer ${sign(u.user_id)} junk`, { status: 401, message: 'Authentication required' });
  });
});
