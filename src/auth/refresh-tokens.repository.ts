import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export type Queryable = Pick<EntityManager, 'query'> | Pick<DataSource, 'query'>;

/** A token row as a rotation reads it, with its owner's activity. */
export interface TokenRow {
  token_id: string;
  family_id: string;
  user_id: string;
  expired: boolean;
  used_at: Date | null;
  revoked_at: Date | null;
  is_active: boolean;
}

/** Inserts a new token of a new family; `$1` user id, `$2` hash, `$3` ttl seconds. */
const INSERT_NEW_FAMILY = `
    INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
    VALUES (gen_random_uuid(), $1, $2, now() + make_interval(secs => $3))
    RETURNING family_id`;

/**
 * Every statement on `refresh_tokens`. Tokens are stored only as their sha256 (`hash`). Methods
 * taking a `Queryable` or an `EntityManager` run inside the caller's transaction when given one.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Starts a new family and returns its id. */
  async insertFamily(userId: string, hash: Buffer, ttlSeconds: number, db: Queryable = this.dataSource): Promise<string> {
    const [row] = await db.query(INSERT_NEW_FAMILY, [userId, hash, ttlSeconds]);
    return row.family_id;
  }

  /**
   * A login in one statement: `last_login`, an upgraded hash (`rehash`, or null to keep the stored
   * one) and the new family, whose id it returns.
   */
  async startSession(em: EntityManager, userId: string, hash: Buffer, ttlSeconds: number, rehash: string | null): Promise<string> {
    const [session] = await em.query(
      `WITH touched AS (
         UPDATE users SET last_login = now(), password_hash = coalesce($4, password_hash) WHERE user_id = $1
       )
       ${INSERT_NEW_FAMILY}`,
      [userId, hash, ttlSeconds, rehash],
    );
    return session.family_id;
  }

  /**
   * Locks the token's owner (`FOR KEY SHARE`), then the token row itself. Deleting a user locks it
   * and then its tokens; the other order here would deadlock with it.
   */
  async lockForRotation(em: EntityManager, hash: Buffer): Promise<TokenRow | undefined> {
    await em.query(`SELECT 1 FROM users WHERE user_id = (SELECT user_id FROM refresh_tokens WHERE token_hash = $1) FOR KEY SHARE`, [hash]);
    const [row] = (await em.query(
      `SELECT rt.token_id, rt.family_id, rt.user_id, rt.expires_at <= now() AS expired, rt.used_at, rt.revoked_at, u.is_active
         FROM refresh_tokens rt JOIN users u ON u.user_id = rt.user_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF rt`,
      [hash],
    )) as TokenRow[];
    return row;
  }

  async markUsed(em: EntityManager, tokenId: string): Promise<void> {
    await em.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_id = $1`, [tokenId]);
  }

  /** The next token of an existing family. */
  async insertSuccessor(em: EntityManager, familyId: string, userId: string, hash: Buffer, ttlSeconds: number): Promise<void> {
    await em.query(
      `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [familyId, userId, hash, ttlSeconds],
    );
  }

  /** Revokes the family of the token with `hash` when it belongs to `userId`; the family, when it had live tokens. */
  async revokeFamilyOfHash(hash: Buffer, userId: string, db: Queryable = this.dataSource): Promise<string | null> {
    const rows: { family_id: string }[] = await db.query(
      `WITH revoked AS (UPDATE refresh_tokens SET revoked_at = now()
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)
          AND revoked_at IS NULL RETURNING family_id)
       SELECT DISTINCT family_id FROM revoked`,
      [hash, userId],
    );
    return rows[0]?.family_id ?? null;
  }

  /** Revokes one family of `userId`; the family, when it had live tokens. */
  async revokeUserFamily(familyId: string, userId: string, db: Queryable = this.dataSource): Promise<string | null> {
    const rows: { family_id: string }[] = await db.query(
      `WITH revoked AS (UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING family_id)
       SELECT DISTINCT family_id FROM revoked`,
      [familyId, userId],
    );
    return rows[0]?.family_id ?? null;
  }

  /** Revokes a family whoever owns it. */
  async revokeFamily(db: Queryable, familyId: string): Promise<void> {
    await db.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
  }

  /** Stamps `sessions_revoked_at` and revokes every family of the user but `keepFamilyId`, in one statement. */
  async revokeAllForUser(userId: string, db: Queryable = this.dataSource, keepFamilyId?: string): Promise<void> {
    await db.query(
      `WITH stamped AS (UPDATE users SET sessions_revoked_at = now() WHERE user_id = $1)
       UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1 AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2::uuid`,
      [userId, keepFamilyId ?? null],
    );
  }

  /** Deletes up to `batch` tokens past their expiry and returns how many. */
  async deleteExpired(batch: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, rowCount].
    const [, count] = await this.dataSource.query(
      `DELETE FROM refresh_tokens WHERE token_id IN (SELECT token_id FROM refresh_tokens WHERE expires_at < now() LIMIT $1)`,
      [batch],
    );
    return Number(count);
  }
}
