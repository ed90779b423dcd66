import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitedError } from '../../common/errors/app-error.js';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from '../auth.options.js';

export const LOGIN_WINDOW_MS = 60_000;

/** Who a login attempt is against: the account it resolved to, else the login as the database folds it. */
export type LoginSubject = { userId: string } | { folded: string };

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/**
 * The per-login limit of login and token requests, counted once the login is resolved, so every
 * spelling that reaches one account (`alice`, `ALICE@example.com`, `alİce`, a fullwidth form)
 * shares one counter. Shares the throttler's storage (Redis when configured); keys carry a hash,
 * never the login itself.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    @Inject(getStorageToken()) private readonly storage: ThrottlerStorage,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {}

  async hit(subject: LoginSubject): Promise<void> {
    const key = 'userId' in subject ? `account:${digest(subject.userId)}` : `name:${digest(subject.folded)}`;
    const limit = this.options.rateLimit.loginPerMinute;
    const record = await this.storage.increment(key, LOGIN_WINDOW_MS, limit, LOGIN_WINDOW_MS, 'login');
    if (record.isBlocked) throw new RateLimitedError(record.timeToBlockExpire > 0 ? record.timeToBlockExpire : record.timeToExpire);
  }
}
