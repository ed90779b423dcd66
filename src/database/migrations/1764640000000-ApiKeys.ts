import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys: personal (`user_id`, the owner it acts as) or of an organization (`org_id`), never both.
 * Only the SHA-256 of a key is kept; authentication finds it by that unique hash. The owner
 * indexes serve the key lists and the per-owner cap on live keys.
 */
export class ApiKeys1764640000000 implements MigrationInterface {
  name = 'ApiKeys1764640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        key_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        prefix char(8) NOT NULL,
        key_hash char(64) NOT NULL UNIQUE,
        scopes text[],
        org_id uuid REFERENCES organizations (org_id) ON DELETE CASCADE,
        user_id uuid REFERENCES users (user_id) ON DELETE CASCADE,
        created_by uuid REFERENCES users (user_id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3),
        last_used_at timestamptz(3),
        revoked_at timestamptz(3),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT api_keys_one_owner CHECK ((org_id IS NULL) <> (user_id IS NULL))
      )`);
    await q.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC) WHERE user_id IS NOT NULL AND revoked_at IS NULL`);
    await q.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at DESC) WHERE org_id IS NOT NULL AND revoked_at IS NULL`);
    await q.query(`CREATE INDEX api_keys_created_by_idx ON api_keys (created_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS api_keys`);
  }
}
