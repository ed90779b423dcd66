import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { USER_SELECT, type User } from '../database/entities/user.entity.js';
import type { TokenPurpose } from './account-token.js';

type Queryable = Pick<EntityManager, 'query'>;

/** A link's row with what its checks need of its user. */
export interface TokenRow {
  token_id: string;
  purpose: TokenPurpose;
  user_id: string;
  token_hash: Buffer;
  used_at: Date | null;
  expired: boolean;
  /** The address the link was sent to is still the user's. */
  same_email: boolean;
  is_active: boolean;
}

const SELECT_TOKEN = `
  SELECT t.token_id, t.purpose, t.user_id, t.token_hash, t.used_at, t.expires_at <= now() AS expired,
         t.email = u.email AS same_email, u.is_active
    FROM account_tokens t JOIN users u ON u.user_id = t.user_id
   WHERE t.token_hash = $1`;

/**
 * Every statement on `account_tokens`, and the few on `users` that following a link makes (the
 * verified flag, the new password). A link is found by its hash through the unique index. Locks are
 * taken user first, then link: a user's delete takes the user and then, cascading, the links.
 */
@Injectable()
export class AccountTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, purpose: TokenPurpose, user: { user_id: string; email: string }, hash: Buffer, ttlSeconds: number): Promise<void> {
    await m.query(
      `INSERT INTO account_tokens (purpose, user_id, email, token_hash, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [purpose, user.user_id, user.email, hash, ttlSeconds],
    );
  }

  /** The link with this hash, without locks (a check before the costly part of a request). */
  async find(hash: Buffer, db: Queryable = this.dataSource): Promise<TokenRow | undefined> {
    const [row] = (await db.query(SELECT_TOKEN, [hash])) as TokenRow[];
    return row;
  }

  /** The link with this hash, its user's row and its own locked for the change that spends it. */
  async lock(m: EntityManager, hash: Buffer): Promise<TokenRow | undefined> {
    await m.query(`SELECT 1 FROM users WHERE user_id = (SELECT user_id FROM account_tokens WHERE token_hash = $1) FOR NO KEY UPDATE`, [hash]);
    const [row] = (await m.query(`${SELECT_TOKEN} FOR UPDATE OF t`, [hash])) as TokenRow[];
    return row;
  }

  async markUsed(m: EntityManager, tokenId: string): Promise<void> {
    await m.query(`UPDATE account_tokens SET used_at = now() WHERE token_id = $1`, [tokenId]);
  }

  /** Spends every open link of one purpose of a user (a newer one replaces them, or a reset succeeded). */
  async voidOpen(m: EntityManager, userId: string, purpose: TokenPurpose): Promise<void> {
    await m.query(`UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [userId, purpose]);
  }

  /** The active account with this address (compared as the unique index folds it), its row locked. */
  async lockActiveByEmail(m: EntityManager, email: string): Promise<{ user_id: string; email: string } | undefined> {
    const [row] = await m.query(
      `SELECT user_id, email FROM users WHERE lower(email) = lower(normalize($1::text, NFKC)) AND is_active FOR NO KEY UPDATE`,
      [email],
    );
    return row;
  }

  async markVerified(m: EntityManager, userId: string): Promise<User> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [[row]] = await m.query(`UPDATE users AS u SET is_verified = true WHERE user_id = $1 RETURNING ${USER_SELECT}`, [userId]);
    return row;
  }

  /** A reset: the new password, and the address verified (the link reached it). */
  async resetPassword(m: EntityManager, userId: string, passwordHash: string): Promise<User> {
    const [[row]] = await m.query(`UPDATE users AS u SET password_hash = $2, is_verified = true WHERE user_id = $1 RETURNING ${USER_SELECT}`, [
      userId,
      passwordHash,
    ]);
    return row;
  }

  /**
   * Deletes up to `batch` links spent or expired more than `keepSeconds` ago; until then an expired
   * link still answers "expired" rather than "unknown".
   */
  async deleteStale(keepSeconds: number, batch = 10_000): Promise<number> {
    const [, count] = await this.dataSource.query(
      `DELETE FROM account_tokens WHERE token_id IN (
         SELECT token_id FROM account_tokens
          WHERE expires_at < now() - make_interval(secs => $1) OR used_at < now() - make_interval(secs => $1)
          LIMIT $2)`,
      [keepSeconds, batch],
    );
    return Number(count);
  }
}
