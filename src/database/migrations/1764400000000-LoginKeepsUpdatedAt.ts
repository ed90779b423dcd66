import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A login writes `last_login`; that is not a change to the user's record, so it must not move
 * `updated_at`. Other tables have no `last_login` and behave as before.
 */
export class LoginKeepsUpdatedAt1764400000000 implements MigrationInterface {
  name = 'LoginKeepsUpdatedAt1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF to_jsonb(NEW) - 'updated_at' - 'last_login' IS DISTINCT FROM to_jsonb(OLD) - 'updated_at' - 'last_login' THEN
          NEW.updated_at := now();
        END IF;
        RETURN NEW;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW IS DISTINCT FROM OLD THEN NEW.updated_at := now(); END IF;
        RETURN NEW;
      END $$`);
  }
}
