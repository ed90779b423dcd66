import { Inject, Injectable, Module, Optional, type DynamicModule, type FactoryProvider, type OnModuleDestroy, type OnModuleInit, type Provider } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { getOptionsToken, getStorageToken, ThrottlerStorageService } from '@nestjs/throttler';
import { EventsModule } from '../events/events.module.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { ApiKeyAuthenticator } from './api-keys/api-key-authenticator.js';
import { OrgApiKeysController, PersonalApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AdminBootstrap } from './admin-bootstrap.js';
import { CredentialsRepository } from './credentials.repository.js';
import { AuthController } from './auth.controller.js';
import { AUTH_OPTIONS, JWT_OPTIONS, resolveAuthOptions, type AuthModuleOptions, type ResolvedAuthOptions } from './auth.options.js';
import { AuthService } from './auth.service.js';
import { JwksController } from './jwks.controller.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { buildJwtKeys, JWT_KEYS } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { PasswordHasher } from './password-hasher.js';
import { AuthThrottlerGuard, authThrottlerOptions } from './rate-limit/auth-throttler.guard.js';
import { KeyedRateLimiter } from './rate-limit/keyed-rate-limiter.js';
import { LoginRateLimiter } from './rate-limit/login-rate-limiter.js';
import { RedisThrottlerStorage } from './rate-limit/redis-throttler.storage.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { RefreshTokens } from './refresh-tokens.js';
import { TokenService } from './token.service.js';
import { JobsService } from '../jobs/jobs.service.js';

export interface AuthModuleAsyncOptions {
  imports?: DynamicModule['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => AuthModuleOptions | Promise<AuthModuleOptions>;
  /** Must be known before the factory runs, since it decides which controllers exist (default true). */
  mountControllers?: boolean;
}

const PURGE_INTERVAL_MS = 3_600_000;

/**
 * Deletes expired refresh tokens every hour (only where the auth endpoints are served), on one
 * instance of all that share the database (the background queue's periodic tasks). A consumer
 * without the queue purges on its own timer.
 */
@Injectable()
class RefreshTokenJanitor implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  constructor(
    @Inject(RefreshTokens) private readonly tokens: RefreshTokens,
    @Optional() private readonly jobs?: JobsService,
  ) {}
  onModuleInit(): void {
    if (this.jobs) return this.jobs.every('refresh-token-purge', PURGE_INTERVAL_MS, () => this.tokens.purgeExpired());
    this.timer = setInterval(() => void this.tokens.purgeExpired().catch(() => undefined), PURGE_INTERVAL_MS);
    this.timer.unref();
  }
  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}

/** Verification and issuing: what any service importing the module gets. */
const CORE_PROVIDERS: Provider[] = [
  { provide: JWT_OPTIONS, useExisting: AUTH_OPTIONS },
  { provide: JWT_KEYS, inject: [AUTH_OPTIONS], useFactory: buildJwtKeys },
  AccessTokenVerifier,
  JwtStrategy,
  JwtAuthGuard,
  TokenService,
  PasswordHasher,
  RefreshTokensRepository,
  RefreshTokens,
  CredentialsRepository,
  ApiKeysRepository,
  ApiKeyAuthenticator,
];
const CORE_EXPORTS = [AUTH_OPTIONS, JWT_OPTIONS, JWT_KEYS, AccessTokenVerifier, JwtStrategy, JwtAuthGuard, TokenService, PasswordHasher, RefreshTokens];

/** The auth endpoints, their rate limits and the admin bootstrap. */
const SERVER_PROVIDERS: Provider[] = [
  AuthService,
  KeyedRateLimiter,
  ApiKeysService,
  LoginRateLimiter,
  AdminBootstrap,
  RefreshTokenJanitor,
  AuthThrottlerGuard,
  { provide: getOptionsToken(), inject: [AUTH_OPTIONS], useFactory: (o: ResolvedAuthOptions) => authThrottlerOptions(o.rateLimit) },
  {
    provide: getStorageToken(),
    inject: [AUTH_OPTIONS],
    useFactory: (o: ResolvedAuthOptions) => (o.redisUrl ? new RedisThrottlerStorage(o.redisUrl) : new ThrottlerStorageService()),
  },
];

/** What the served endpoints share with other features serving under `/v1/auth`: the rate limits. */
const SERVER_EXPORTS = [getOptionsToken(), getStorageToken(), AuthThrottlerGuard, KeyedRateLimiter];

/**
 * Authentication. Global, like the database module: register it once at the root and
 * the guard, token issuer, password hasher and refresh-token store are injectable everywhere.
 * Needs a TypeORM `DataSource` on the identity database.
 *
 * `mountControllers: false` gives only verification and issuing: the way another service protects
 * its own routes with `JwtAuthGuard` without serving `/v1/auth/*`.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const resolved = resolveAuthOptions(options);
    return AuthModule.build(resolved.mountControllers, [{ provide: AUTH_OPTIONS, useValue: resolved }], []);
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    const mount = options.mountControllers ?? true;
    const provider: FactoryProvider = {
      provide: AUTH_OPTIONS,
      inject: options.inject ?? [],
      useFactory: async (...args: unknown[]) => resolveAuthOptions(await options.useFactory(...args), mount),
    };
    return AuthModule.build(mount, [provider], options.imports ?? []);
  }

  private static build(mount: boolean, optionProviders: Provider[], imports: NonNullable<DynamicModule['imports']>): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      imports: [PassportModule, EventsModule, ...imports],
      controllers: mount ? [AuthController, JwksController, PersonalApiKeysController, OrgApiKeysController] : [],
      providers: [...optionProviders, ...CORE_PROVIDERS, ...(mount ? SERVER_PROVIDERS : [])],
      exports: [...CORE_EXPORTS, ...(mount ? SERVER_EXPORTS : [])],
    };
  }
}
