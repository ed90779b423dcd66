import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time links mailed to a user: email verification and password reset. Only the sha256 of a
 * token is stored; `email` is the address the link was sent to, so a link outlives no email change.
 */
export class AccountTokens1764660000000 implements MigrationInterface {
  name = 'AccountTokens1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account_tokens (
        token_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
        user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
        email text NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A user's links of one purpose (voiding older reset links), and the cascade of a user's delete.
    await q.query(`CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose)`);
    // The purge of expired links.
    await q.query(`CREATE INDEX account_tokens_expires_idx ON account_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS account_tokens`);
  }
}
