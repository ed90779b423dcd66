import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuthenticationError } from '../common/errors/app-error.js';
import { transaction } from '../database/transaction.js';
import { CredentialsRepository } from './credentials.repository.js';
import type { TokenResponse } from './dto/auth.dto.js';
import { PasswordHasher } from './password-hasher.js';
import { LoginRateLimiter } from './rate-limit/login-rate-limiter.js';
import { RefreshTokens } from './refresh-tokens.js';
import { TokenService } from './token.service.js';
import type { RequestContext } from '../common/request-context.js';
import { EventsService } from '../events/events.service.js';
import { asUser, loggedOut, loginFailed, loginSucceeded, type LoginFailure } from './auth-events.js';
import type { Credentials } from './credentials.repository.js';

/** A login is an email when it has an `@` (a username cannot), a username otherwise. */
export function loginColumn(login: string): 'email' | 'username' {
  return login.includes('@') ? 'email' : 'username';
}

/** Login, refresh and logout. */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokens,
    private readonly limiter: LoginRateLimiter,
    private readonly credentials: CredentialsRepository,
    private readonly events: EventsService,
  ) {}

  /**
   * Unknown login and wrong password answer the same 401 after the same work (one argon2 verify);
   * a disabled account is told so only once its password was right. The login is compared the way
   * the unique indexes compare (NFKC, then the database's `lower()`), and the per-login rate limit
   * counts the account it resolves to, before any password is checked.
   */
  async login(ctx: RequestContext, login: string, password: string): Promise<TokenResponse> {
    const account = await this.credentials.findForLogin(login.trim(), loginColumn(login));
    await this.limiter.hit(account.user_id ? { userId: account.user_id } : { folded: account.folded });
    const ok = await this.hasher.verify(account.password_hash, password);
    if (!account.user_id || !ok) await this.fail(ctx, account, 'invalid_credentials');
    if (!account.is_active) await this.fail(ctx, account, 'account_disabled');

    // One statement: last_login, an upgraded hash when the cost parameters changed, the new session.
    const rehash = account.password_hash && this.hasher.needsRehash(account.password_hash) ? await this.hasher.hash(password) : null;
    // A user deleted since the lookup above gets the 401 a moment later would give, not a 500.
    const userId = account.user_id!;
    const session = await transaction(this.dataSource, async (em) => {
      const started = await this.refreshTokens.startSession(em, userId, rehash);
      await this.events.record(em, asUser(ctx, userId), loginSucceeded(userId));
      return started;
    });
    return this.pair(userId, session.token, session.familyId);
  }

  /** Records the failed attempt (committed on its own: there is no change to roll back), then answers 401. */
  private async fail(ctx: RequestContext, account: Credentials, reason: LoginFailure): Promise<never> {
    await transaction(this.dataSource, (em) => this.events.record(em, ctx, loginFailed(account.user_id, account.folded, reason)));
    throw new AuthenticationError(reason === 'account_disabled' ? 'Account is disabled' : 'Invalid credentials');
  }

  async refresh(ctx: RequestContext, refreshToken: string): Promise<TokenResponse> {
    const { userId, next } = await this.refreshTokens.rotate(ctx, refreshToken);
    return this.pair(userId, next.token, next.familyId);
  }

  /**
   * Ends a session: the family of the given refresh token, or else the session (`sid`) the access
   * token was issued with. Answers 204 either way; a token of another user is ignored.
   */
  async logout(ctx: RequestContext, userId: string, refreshToken: string | undefined, sessionId: string | undefined): Promise<void> {
    if (!refreshToken && !sessionId) return;
    await transaction(this.dataSource, async (em) => {
      const ended = refreshToken ? await this.refreshTokens.revokeFamilyOf(refreshToken, userId, em) : await this.refreshTokens.revokeFamily(sessionId!, userId, em);
      if (ended) await this.events.record(em, ctx, loggedOut(userId, ended));
    });
  }

  private async pair(userId: string, refreshToken: string, familyId: string): Promise<TokenResponse> {
    return {
      access_token: await this.tokens.signAccessToken(userId, familyId),
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
  }
}
