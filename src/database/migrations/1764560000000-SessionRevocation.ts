import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access tokens end with their session, checked on every request:
 * - a token issued with a session (`sid`, the refresh-token family) lives while that family still
 *   has an unspent, unrevoked token. The partial index holds exactly that one row per live family,
 *   so the check is a single index probe;
 * - a token issued without a session (by a service using the library) lives while it was issued
 *   after `users.sessions_revoked_at`, which a password change or a deactivation moves to now.
 */
export class SessionRevocation1764560000000 implements MigrationInterface {
  name = 'SessionRevocation1764560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN sessions_revoked_at timestamptz(3)`);
    await q.query(`CREATE INDEX refresh_tokens_live_family_idx ON refresh_tokens (family_id) WHERE used_at IS NULL AND revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS refresh_tokens_live_family_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN IF EXISTS sessions_revoked_at`);
  }
}
