import type { AppConfig } from '../config/config.js';

/** JWT settings; the service fills them from its configuration, a consuming service passes its own. */
export type JwtOptions = AppConfig['jwt'];

/** argon2id cost parameters (memory in KiB). */
export interface Argon2Params {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

export interface RateLimitOptions {
  /** Login and token requests per minute, counted per client IP and, separately, per account (per login name when unknown). */
  loginPerMinute: number;
  /** Refresh requests per minute per client IP. */
  refreshPerMinute: number;
  /** Requests that mail a link (email verification, password reset) per minute per client IP; default 5. */
  accountMailPerMinute?: number;
  /** Sign-ups per minute per client IP; default 5. */
  signupPerMinute?: number;
}

export interface AdminBootstrapOptions {
  /** Defaults to `admin@example.com`. */
  email?: string;
  /** Generated (and printed once) when absent. */
  password?: string;
  /** Defaults to `admin`. */
  username?: string;
}

/**
 * Everything `AuthModule` needs. Only the JWT part is required: a service that merely protects its
 * own routes with the guard passes `{ secret, issuer, audience, ..., mountControllers: false }`.
 */
export interface AuthModuleOptions extends JwtOptions {
  /**
   * Mount `/v1/auth/*` and `/.well-known/jwks.json` (default `true`). With `false` the module
   * provides only the JWT guard, strategy, token issuer, password hasher and refresh-token store.
   */
  mountControllers?: boolean;
  /** Password hashing cost; defaults to the OWASP minimum for argon2id (19 MiB, t=2, p=1). */
  argon2?: Argon2Params;
  /** Limits for login, token and refresh; defaults 10 and 30 per minute. */
  rateLimit?: RateLimitOptions;
  /** Rate-limit counters are kept in this Redis (shared by every instance); in memory when absent. */
  redisUrl?: string;
  /**
   * Create a platform admin at start when the users table is empty. Defaults to on when the
   * controllers are mounted and off otherwise; `false` turns it off.
   */
  bootstrapAdmin?: AdminBootstrapOptions | false;
}

/** The options with every default filled in. */
export interface ResolvedAuthOptions extends JwtOptions {
  mountControllers: boolean;
  argon2: Argon2Params;
  rateLimit: Required<RateLimitOptions>;
  redisUrl?: string;
  bootstrapAdmin: AdminBootstrapOptions | false;
}

export const DEFAULT_ARGON2: Argon2Params = { memoryKiB: 19_456, timeCost: 2, parallelism: 1 };
export const DEFAULT_RATE_LIMIT: Required<RateLimitOptions> = { loginPerMinute: 10, refreshPerMinute: 30, accountMailPerMinute: 5, signupPerMinute: 5 };

export function resolveAuthOptions(options: AuthModuleOptions, mountControllers?: boolean): ResolvedAuthOptions {
  const mount = mountControllers ?? options.mountControllers ?? true;
  return {
    ...options,
    mountControllers: mount,
    argon2: options.argon2 ?? DEFAULT_ARGON2,
    rateLimit: { ...DEFAULT_RATE_LIMIT, ...options.rateLimit },
    bootstrapAdmin: options.bootstrapAdmin ?? (mount ? {} : false),
  };
}

export const JWT_OPTIONS = Symbol('JWT_OPTIONS');
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
