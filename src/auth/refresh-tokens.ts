import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuthenticationError } from '../common/errors/app-error.js';
import { transaction } from '../database/transaction.js';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from './auth.options.js';

type Queryable = Pick<EntityManager, 'query'> | Pick<DataSource, 'query'>;

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
}

interface TokenRow {
  token_id: string;
  family_id: string;
  user_id: string;
  expired: boolean;
  used_at: Date | null;
  revoked_at: Date | null;
  is_active: boolean;
}

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
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {}

  /** SQL that inserts a new token of a new family; `$1` user id, `$2` hash, `$3` ttl seconds. */
  static readonly INSERT_NEW_FAMILY = `
    INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
    VALUES (gen_random_uuid(), $1, $2, now() + make_interval(secs => $3))
    RETURNING family_id`;

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
    const [row] = await db.query(RefreshTokens.INSERT_NEW_FAMILY, [userId, hash, this.ttlSeconds]);
    return { token, familyId: row.family_id };
  }

  /**
   * Spends `token` and issues its successor, in one transaction holding the token's row lock, so two
   * concurrent uses of one token cannot both succeed. Returns the user the token belongs to.
   * The user row is held first: deleting a user locks it and then its tokens, and the other order
   * here would deadlock with it.
   */
  async rotate(token: string): Promise<{ userId: string; next: IssuedRefreshToken }> {
    const hash = hashRefreshToken(token);
    const outcome = await transaction(this.dataSource, async (em) => {
      await em.query(`SELECT 1 FROM users WHERE user_id = (SELECT user_id FROM refresh_tokens WHERE token_hash = $1) FOR KEY SHARE`, [hash]);
      const [row] = (await em.query(
        `SELECT rt.token_id, rt.family_id, rt.user_id, rt.expires_at <= now() AS expired, rt.used_at, rt.revoked_at, u.is_active
           FROM refresh_tokens rt JOIN users u ON u.user_id = rt.user_id
          WHERE rt.token_hash = $1
          FOR UPDATE OF rt`,
        [hash],
      )) as TokenRow[];
      if (!row || row.revoked_at || row.expired) return { error: 'Authentication required' } as const;
      if (row.used_at) {
        // Reuse of a spent token: someone else holds a copy. End the whole family.
        await this.revokeFamilyWith(em, row.family_id);
        return { error: 'Authentication required' } as const;
      }
      if (!row.is_active) return { error: 'Account is disabled' } as const;
      await em.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_id = $1`, [row.token_id]);
      const successor = this.newToken();
      await em.query(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
        [row.family_id, row.user_id, successor.hash, this.ttlSeconds],
      );
      return { userId: row.user_id, next: { token: successor.token, familyId: row.family_id } } as const;
    });
    // Thrown after the commit, so that a family revoked on reuse stays revoked.
    if ('error' in outcome) throw new AuthenticationError(outcome.error);
    return outcome;
  }

  /** Revokes the family of `token` when it belongs to `userId`; unknown tokens are ignored. */
  async revokeFamilyOf(token: string, userId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)
          AND revoked_at IS NULL`,
      [hashRefreshToken(token), userId],
    );
  }

  /** Revokes one family of `userId` (a session). */
  async revokeFamily(familyId: string, userId: string): Promise<void> {
    await this.dataSource.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL`, [familyId, userId]);
  }

  /**
   * Ends every session of a user but `keepFamilyId` (password change, deactivation): their refresh
   * tokens are revoked, and so their access tokens, which the guard checks against their family.
   * Access tokens issued without a session end through `sessions_revoked_at`.
   */
  async revokeAllForUser(userId: string, db: Queryable = this.dataSource, keepFamilyId?: string): Promise<void> {
    await db.query(
      `WITH stamped AS (UPDATE users SET sessions_revoked_at = now() WHERE user_id = $1)
       UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1 AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2::uuid`,
      [userId, keepFamilyId ?? null],
    );
  }

  /** Deletes tokens past their expiry (a batch at a time); they can neither be used nor reused. */
  async purgeExpired(batch = 10_000): Promise<number> {
    // TypeORM answers a DELETE with [rows, rowCount].
    const [, count] = await this.dataSource.query(
      `DELETE FROM refresh_tokens WHERE token_id IN (SELECT token_id FROM refresh_tokens WHERE expires_at < now() LIMIT $1)`,
      [batch],
    );
    return Number(count);
  }

  private async revokeFamilyWith(db: Queryable, familyId: string): Promise<void> {
    await db.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
  }
}
