import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['users', 'organizations', 'workspaces', 'org_members', 'workspace_members'] as const;

/**
 * A version per row, the source of each resource's ETag. A trigger moves it on every UPDATE that
 * changes the row, whatever statement does it (a preferences merge, a role change, a login, a
 * password change, a member count), so no write path can forget it. A change to a column no
 * response shows still moves it: a spare 412 is harmless, a stale tag would not be.
 */
export class ResourceVersions1764610000000 implements MigrationInterface {
  name = 'ResourceVersions1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.version := OLD.version;
        IF NEW IS DISTINCT FROM OLD THEN NEW.version := OLD.version + 1; END IF;
        RETURN NEW;
      END $$`);
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN version integer NOT NULL DEFAULT 1`);
      // Named to fire after the updated_at trigger (alphabetical order), so its change counts too.
      await q.query(`CREATE TRIGGER ${table}_version BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION bump_version()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`DROP TRIGGER IF EXISTS ${table}_version ON ${table}`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN IF EXISTS version`);
    }
    await q.query(`DROP FUNCTION IF EXISTS bump_version()`);
  }
}
