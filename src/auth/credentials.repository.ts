import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ReadRouter } from '../database/replicas/read-router.js';
import { USER_SELECT, type User } from '../database/entities/user.entity.js';

/** What a login needs of an account, looked up by the login as the unique indexes fold it. */
export interface Credentials {
  folded: string;
  user_id: string | null;
  password_hash: string | null;
  is_active: boolean | null;
}

/**
 * The caller and whether the token's session is still open, in the one query of the request. A
 * token with a session (`sid`) lives while its refresh-token family has a live token (logout,
 * reuse detection, a password change and a deactivation revoke the family); one without lives
 * while it was issued after the user's last mass revocation.
 */
const SELECT_CALLER = `
  SELECT ${USER_SELECT},
         CASE WHEN $2::uuid IS NULL
              THEN u.sessions_revoked_at IS NULL OR $3::numeric > extract(epoch FROM u.sessions_revoked_at)
              ELSE EXISTS (SELECT 1 FROM refresh_tokens rt
                            WHERE rt.family_id = $2 AND rt.user_id = u.user_id AND rt.used_at IS NULL AND rt.revoked_at IS NULL)
         END AS _session_live
    FROM users u WHERE u.user_id = $1`;

/** Serialises the first start's admin creation across instances starting together. */
const BOOTSTRAP_LOCK_KEY = 742_002;

/** The sign-in side of the users table: what authentication reads and the first admin it writes. */
@Injectable()
export class CredentialsRepository {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  /** One row always: the folded login, and the account's columns when one matches it. */
  async findForLogin(login: string, column: 'email' | 'username'): Promise<Credentials> {
    const [account] = (await this.dataSource.query(
      `SELECT f.folded, u.user_id, u.password_hash, u.is_active
         FROM (SELECT lower(normalize($1::text, NFKC)) AS folded) f
         LEFT JOIN users u ON lower(u.${column}) = f.folded`,
      [login],
    )) as Credentials[];
    return account;
  }

  /**
   * The caller of a request with whether its session is live. Straight to a pg pool: a query
   * runner per call (created, connected, released) is most of what `DataSource.query` would add to
   * this one-row lookup, made on every request. A replica may serve it; one that does not know the
   * user or the session yet (a login a moment ago, on any instance) is overruled by the primary.
   */
  async findCaller(userId: string, sessionId: string | null, issuedAt: number, onPrimary = false): Promise<(User & { _session_live: boolean }) | undefined> {
    const params = [userId, sessionId, issuedAt];
    if (onPrimary) return (await this.reads.onPrimary<User & { _session_live: boolean }>(SELECT_CALLER, params))[0];
    const [row] = await this.reads.query<User & { _session_live: boolean }>(userId, SELECT_CALLER, params);
    if ((row && row._session_live) || !this.reads.enabled) return row;
    return (await this.reads.onPrimary<User & { _session_live: boolean }>(SELECT_CALLER, params))[0];
  }

  async anyUser(): Promise<boolean> {
    const [{ any }] = await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM users) AS any`);
    return any;
  }

  /** Creates the platform admin unless a user exists; false when another instance was first. */
  async createFirstAdmin(em: EntityManager, email: string, username: string, passwordHash: string): Promise<boolean> {
    await em.query(`SELECT pg_advisory_xact_lock($1)`, [BOOTSTRAP_LOCK_KEY]);
    const rows = await em.query(
      `INSERT INTO users (email, username, password_hash, full_name, roles, is_verified)
       SELECT $1, $2, $3, 'Administrator', '{admin}', true
        WHERE NOT EXISTS (SELECT 1 FROM users)
       RETURNING user_id`,
      [email, username, passwordHash],
    );
    return rows.length === 1;
  }
}
