import 'reflect-metadata';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthModule, AllExceptionsFilter, CurrentUser, JwtAuthGuard, Public, TokenService } from '../../dist/index.js';
import { bearer, createTestDatabase, dropTestDatabase, expectErrorShape, seedUser, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../support/app.js';

@Controller('probe')
class ProbeController {
  @Get('me')
  me(@CurrentUser() user: { user_id: string }) {
    return { user_id: user.user_id };
  }

  @Public()
  @Get('open')
  open() {
    return { open: true };
  }
}

const jwt = { secret: TEST_JWT_SECRET, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, accessTtlSeconds: 900, refreshTtlSeconds: 3600 };

/** A consuming service: its own routes behind the JWT guard, without the auth endpoints. */
async function consumer(url: string, auth: ReturnType<typeof AuthModule.forRoot>): Promise<INestApplication> {
  @Module({
    imports: [TypeOrmModule.forRoot({ type: 'postgres', url, synchronize: false }), auth],
    controllers: [ProbeController],
    providers: [
      { provide: APP_GUARD, useExisting: JwtAuthGuard },
      { provide: APP_FILTER, useClass: AllExceptionsFilter },
    ],
  })
  class ConsumerModule {}
  const app = await NestFactory.create(ConsumerModule, { logger: false });
  await app.init();
  return app;
}

describe('AuthModule as a library', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  for (const [label, make] of [
    ['forRoot', () => AuthModule.forRoot({ ...jwt, mountControllers: false })],
    ['forRootAsync', () => AuthModule.forRootAsync({ mountControllers: false, useFactory: async () => jwt })],
  ] as const) {
    it(`${label} with mountControllers: false gives the guard only`, async () => {
      const url = await createTestDatabase();
      cleanup.push(() => dropTestDatabase(url));
      const app = await consumer(url, make());
      cleanup.push(() => app.close());
      const http = supertest(app.getHttpServer());
      const db = app.get(DataSource);

      // No auth endpoints, no JWKS, and no admin created in the (empty) users table.
      expect((await http.post('/v1/auth/login').send({ login: 'x', password: 'y' })).status).toBe(404);
      expect((await http.get('/.well-known/jwks.json')).status).toBe(404);
      expect(await db.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 0 }]);

      const denied = await http.get('/probe/me');
      expect(denied.status).toBe(401);
      expectErrorShape(denied.body, 401, 'AUTHENTICATION_FAILED');
      expect(denied.headers['www-authenticate']).toBe('Bearer');
      expect((await http.get('/probe/open')).status).toBe(200);

      const u = await seedUser(db);
      const ok = await http.get('/probe/me').set(bearer(u.token));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ user_id: u.user_id });
      // Tokens issued by the consumer's own TokenService verify too.
      const own = await app.get(TokenService).signAccessToken(u.user_id);
      expect((await http.get('/probe/me').set(bearer(own))).status).toBe(200);
    });
  }
});
