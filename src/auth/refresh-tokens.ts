import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuthenticationError } from '../common/errors/app-error.js';
import { transaction } from '../database/transaction.js';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from './auth.options.js';
import { RefreshTokensRepository, type Queryable } from './refresh-tokens.repository.js';
import type { RequestContext } from '../common/request-context.js';
import { EventsService } from '../events/events.service.js';
import { refreshReuseDetected } from './auth-events.js';

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
}

type Rotation = { userId: string; next: IssuedRefreshToken } | { error: string };

/** sha256 of the token: what the table stores (the token itself never is). */
export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Refresh tokens: 32 random bytes (base64url), kept only as their sha256, grouped in a family that
 * starts at login. Each use spends the token and issues the next one in the same family; a spent
 * token presented again revokes the whole family (the thief and the victim both lose it).
 */
@Injectable()
export class RefreshTokens {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: RefreshTokensRepository,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly events: EventsService,
  ) {}

  newToken(): { token: string; hash: Buffer } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashRefreshToken(token) };
  }

  get ttlSeconds(): number {
    return this.options.refreshTtlSeconds;
  }

  /** Starts a new family (a login). */
  async issue(userId: string, db: Queryable = this.dataSource): Promise<IssuedRefreshToken> {
    const { token, hash } = this.newToken();
    return { token, familyId: await this.repository.insertFamily(userId, hash, this.ttlSeconds, db) };
  }

  /** A login's new family, written with its `last_login` and an upgraded password hash (or null). */
  async startSession(em: EntityManager, userId: string, rehash: string | null): Promise<IssuedRefreshToken> {
    const { token, hash } = this.newToken();
    return { token, familyId: await this.repository.startSession(em, userId, hash, this.ttlSeconds, rehash) };
  }

  /**
   * Spends `token` and issues its successor, in one transaction holding the token's row lock, so two
   * concurrent uses of one token cannot both succeed. Returns the user the token belongs to.
   */
  async rotate(ctx: RequestContext, token: string): Promise<{ userId: string; next: IssuedRefreshToken }> {
    const hash = hashRefreshToken(token);
    const outcome = await transaction(this.dataSource, (em) => this.spend(em, ctx, hash));
    // Thrown after the commit, so that a family revoked on reuse stays revoked.
    if ('error' in outcome) throw new AuthenticationError(outcome.error);
    return outcome;
  }

  private async spend(em: EntityManager, ctx: RequestContext, hash: Buffer): Promise<Rotation> {
    const row = await this.repository.lockForRotation(em, hash);
    if (!row || row.revoked_at || row.expired) return { error: 'Authentication required' };
    if (row.used_at) {
      // Reuse of a spent token: someone else holds a copy. End the whole family.
      await this.repository.revokeFamily(em, row.family_id);
      await this.events.record(em, ctx, refreshReuseDetected(row.user_id, row.family_id));
      return { error: 'Authentication required' };
    }
    if (!row.is_active) return { error: 'Account is disabled' };
    await this.repository.markUsed(em, row.token_id);
    const successor = this.newToken();
    await this.repository.insertSuccessor(em, row.family_id, row.user_id, successor.hash, this.ttlSeconds);
    return { userId: row.user_id, next: { token: successor.token, familyId: row.family_id } };
  }

  /** Revokes the family of `token` when it belongs to `userId`; unknown tokens are ignored. The family ended, if any. */
  revokeFamilyOf(token: string, userId: string, db: Queryable = this.dataSource): Promise<string | null> {
    return this.repository.revokeFamilyOfHash(hashRefreshToken(token), userId, db);
  }

  /** Revokes one family of `userId` (a session); the family when it was still open. */
  revokeFamily(familyId: string, userId: string, db: Queryable = this.dataSource): Promise<string | null> {
    return this.repository.revokeUserFamily(familyId, userId, db);
  }

  /**
   * Ends every session of a user but `keepFamilyId` (password change, deactivation): their refresh
   * tokens are revoked, and so their access tokens, which the guard checks against their family.
   * Access tokens issued without a session end through `sessions_revoked_at`.
   */
  async revokeAllForUser(userId: string, db: Queryable = this.dataSource, keepFamilyId?: string): Promise<void> {
    await this.repository.revokeAllForUser(userId, db, keepFamilyId);
  }

  /** Deletes tokens past their expiry (a batch at a time); they can neither be used nor reused. */
  purgeExpired(batch = 10_000): Promise<number> {
    return this.repository.deleteExpired(batch);
  }
}
