import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuthenticationError } from '../common/errors/app-error.js';
import type { TokenResponse } from './dto/auth.dto.js';
import { PasswordHasher } from './password-hasher.js';
import { RefreshTokens } from './refresh-tokens.js';
import { TokenService } from './token.service.js';

interface Credentials {
  user_id: string;
  password_hash: string | null;
  is_active: boolean;
}

/** A login is an email when it has an `@` (a username cannot), a username otherwise. */
export function loginColumn(login: string): 'email' | 'username' {
  return login.includes('@') ? 'email' : 'username';
}

/** Login, refresh and logout (CONTRACT §5). */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  /**
   * Unknown login and wrong password answer the same 401 after the same work (one argon2 verify);
   * a disabled account is told so only once its password was right.
   */
  async login(login: string, password: string): Promise<TokenResponse> {
    const column = loginColumn(login);
    const [account] = (await this.dataSource.query(
      `SELECT user_id, password_hash, is_active FROM users WHERE lower(${column}) = lower($1)`,
      [login.trim()],
    )) as Credentials[];
    const ok = await this.hasher.verify(account?.password_hash, password);
    if (!account || !ok) throw new AuthenticationError('Invalid credentials');
    if (!account.is_active) throw new AuthenticationError('Account is disabled');

    // One statement: last_login, an upgraded hash when the cost parameters changed, the new session.
    const rehash = account.password_hash && this.hasher.needsRehash(account.password_hash) ? await this.hasher.hash(password) : null;
    const { token, hash } = this.refreshTokens.newToken();
    const [session] = await this.dataSource.query(
      `WITH touched AS (
         UPDATE users SET last_login = now(), password_hash = coalesce($4, password_hash) WHERE user_id = $1
       )
       ${RefreshTokens.INSERT_NEW_FAMILY}`,
      [account.user_id, hash, this.refreshTokens.ttlSeconds, rehash],
    );
    return this.pair(account.user_id, token, session.family_id);
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
