import { createHash } from 'node:crypto';
import { Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { RateLimitedError } from '../../common/errors/app-error.js';
import type { RateLimitOptions } from '../auth.options.js';

/**
 * Which counters a handler uses: `login` (login and token share them), `refresh`, `account_mail`
 * (the requests that mail a verification or reset link) or `signup`.
 */
export type RateLimitBucket = 'login' | 'refresh' | 'account_mail' | 'signup';
const BUCKET_KEY = 'auth_rate_limit_bucket';

export const RateLimitBucket = (bucket: RateLimitBucket): MethodDecorator => SetMetadata(BUCKET_KEY, bucket);

const WINDOW_MS = 60_000;

function bucketOf(context: ExecutionContext): RateLimitBucket | undefined {
  return Reflect.getMetadata(BUCKET_KEY, context.getHandler()) as RateLimitBucket | undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/**
 * A fixed one-minute window per client IP (every bucket). The per-login window of login and token
 * is `LoginRateLimiter`'s, counted once the login has been resolved to an account. Key names carry
 * a hash of the address.
 */
export function authThrottlerOptions(limits: Required<RateLimitOptions>): ThrottlerModuleOptions {
  const perBucket: Record<RateLimitBucket, number> = {
    login: limits.loginPerMinute,
    refresh: limits.refreshPerMinute,
    account_mail: limits.accountMailPerMinute,
    signup: limits.signupPerMinute,
  };
  const limitFor = (context: ExecutionContext) => perBucket[bucketOf(context)!];
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
    ],
  };
}

/** `@nestjs/throttler`'s guard, answering the standard 429 (`RATE_LIMITED`, `retry_after_seconds`, `Retry-After`). */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError(detail.timeToBlockExpire > 0 ? detail.timeToBlockExpire : detail.timeToExpire);
  }
}
