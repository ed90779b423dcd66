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
  ) {}

  /**
   * Unknown login and wrong password answer the same 401 after the same work (one argon2 verify);
   * a disabled account is told so only once its password was right. The login is compared the way
   * the unique indexes compare (NFKC, then the database's `lower()`), and the per-login rate limit
   * counts the account it resolves to, before any password is checked.
   */
  async login(login: string, password: string): Promise<TokenResponse> {
    const account = await this.credentials.findForLogin(login.trim(), loginColumn(login));
    await this.limiter.hit(account.user_id ? { userId: account.user_id } : { folded: account.folded });
    const ok = await this.hasher.verify(account.password_hash, password);
    if (!account.user_id || !ok) throw new AuthenticationError('Invalid credentials');
    if (!account.is_active) throw new AuthenticationError('Account is disabled');

    // One statement: last_login, an upgraded hash when the cost parameters changed, the new session.
    const rehash = account.password_hash && this.hasher.needsRehash(account.password_hash) ? await this.hasher.hash(password) : null;
    // A user deleted since the lookup above gets the 401 a moment later would give, not a 500.
    const userId = account.user_id;
    const session = await transaction(this.dataSource, (em) => this.refreshTokens.startSession(em, userId, rehash));
    return this.pair(userId, session.token, session.familyId);
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    const { userId, next } = await this.refreshTokens.rotate(refreshToken);
    return this.pair(userId, next.token, next.familyId);
  }

  /**
   * Ends a session: the family of the given refresh token, or else the session (`sid`) the access
   * token was issued with. Answers 204 either way; a token of another user is ignored.
   */
  async logout(userId: string, refreshToken: string | undefined, sessionId: string | undefined): Promise<void> {
    if (refreshToken) await this.refreshTokens.revokeFamilyOf(refreshToken, userId);
    else if (sessionId) await this.refreshTokens.revokeFamily(sessionId, userId);
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
