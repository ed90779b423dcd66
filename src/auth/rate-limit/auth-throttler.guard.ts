import { createHash } from 'node:crypto';
import { Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import { RateLimitedError } from '../../common/errors/app-error.js';
import type { RateLimitOptions } from '../auth.options.js';

/** Which counters a handler uses: `login` (login and token share them) or `refresh`. */
export type RateLimitBucket = 'login' | 'refresh';
const BUCKET_KEY = 'auth_rate_limit_bucket';

export const RateLimitBucket = (bucket: RateLimitBucket): MethodDecorator => SetMetadata(BUCKET_KEY, bucket);

const WINDOW_MS = 60_000;

function bucketOf(context: ExecutionContext): RateLimitBucket | undefined {
  return Reflect.getMetadata(BUCKET_KEY, context.getHandler()) as RateLimitBucket | undefined;
}

/** The login name a login or token request is for: `login`, `email`, `username`, lower-cased. */
export function loginNameOf(req: Request): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const name = [body.login, body.email, body.username].find((v) => typeof v === 'string' && v.trim() !== '');
  return typeof name === 'string' ? name.trim().toLowerCase().slice(0, 320) : undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/**
 * Two fixed one-minute windows: per client IP (every bucket), and per login name (login and token
 * only, so spreading a password guess over many addresses does not help). Key names carry a hash,
 * never the login name itself.
 */
export function authThrottlerOptions(limits: RateLimitOptions): ThrottlerModuleOptions {
  const limitFor = (context: ExecutionContext) => (bucketOf(context) === 'refresh' ? limits.refreshPerMinute : limits.loginPerMinute);
  return {
    setHeaders: false,
    throttlers: [
      {
        name: 'ip',
        ttl: WINDOW_MS,
        limit: limitFor,
        skipIf: (context) => !bucketOf(context),
        generateKey: (context, tracker) => `${bucketOf(context)}:${digest(tracker)}`,
      },
      {
        name: 'login',
        ttl: WINDOW_MS,
        limit: limits.loginPerMinute,
        skipIf: (context) => bucketOf(context) !== 'login' || !loginNameOf(context.switchToHttp().getRequest<Request>()),
        getTracker: (req) => loginNameOf(req as Request) ?? '',
        generateKey: (_context, tracker) => digest(tracker),
      },
    ],
  };
}

/** `@nestjs/throttler`'s guard, answering the §2 429 (`RATE_LIMITED`, `retry_after_seconds`, `Retry-After`). */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError(detail.timeToBlockExpire > 0 ? detail.timeToBlockExpire : detail.timeToExpire);
  }
}
