import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from '../auth.options.js';
import { KeyedRateLimiter } from './keyed-rate-limiter.js';

export const LOGIN_WINDOW_MS = 60_000;

/** Who a login attempt is against: the account it resolved to, else the login as the database folds it. */
export type LoginSubject = { userId: string } | { folded: string };

/**
 * The per-login limit of login and token requests, counted once the login is resolved, so every
 * spelling that reaches one account (`alice`, `ALICE@example.com`, `alİce`, a fullwidth form)
 * shares one counter. Shares the throttler's storage (Redis when configured); keys carry a hash,
 * never the login itself.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    private readonly keyed: KeyedRateLimiter,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {}

  async hit(subject: LoginSubject): Promise<void> {
    const limit = this.options.rateLimit.loginPerMinute;
    if ('userId' in subject) await this.keyed.hit('login', 'account', subject.userId, limit, LOGIN_WINDOW_MS);
    else await this.keyed.hit('login', 'name', subject.folded, limit, LOGIN_WINDOW_MS);
  }
}
