import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole first schema. Timestamps are `timestamptz(3)`: JavaScript dates carry milliseconds, and
 * keyset cursors built from them must compare equal to what is stored.
 */
export class InitialSchema1764370000000 implements MigrationInterface {
  name = 'InitialSchema1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW IS DISTINCT FROM OLD THEN NEW.updated_at := now(); END IF;
        RETURN NEW;
      END $$`);
    // RFC 7396 JSON merge patch, so a preferences patch is one atomic UPDATE.
    await q.query(`
      CREATE FUNCTION jsonb_merge_patch(target jsonb, patch jsonb) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        k text;
        v jsonb;
        result jsonb;
      BEGIN
        IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN RETURN patch; END IF;
        IF target IS NULL OR jsonb_typeof(target) <> 'object' THEN result := '{}'::jsonb;
        ELSE result := target; END IF;
        FOR k, v IN SELECT * FROM jsonb_each(patch) LOOP
          IF jsonb_typeof(v) = 'null' THEN result := result - k;
          ELSE result := jsonb_set(result, ARRAY[k], jsonb_merge_patch(result -> k, v));
          END IF;
        END LOOP;
        RETURN result;
      END $$`);

    await q.query(`
      CREATE TABLE users (
        user_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(320) NOT NULL,
        username varchar(50) NOT NULL,
        password_hash text,
        full_name varchar(100),
        auth_provider varchar(32) NOT NULL DEFAULT 'local',
        is_active boolean NOT NULL DEFAULT true,
        is_verified boolean NOT NULL DEFAULT false,
        roles text[] NOT NULL DEFAULT '{user}',
        avatar_url varchar(2048),
        bio varchar(1000),
        timezone varchar(64),
        locale varchar(35),
        preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        last_login timestamptz(3),
        default_workspace_id uuid,
        CONSTRAINT users_preferences_size CHECK (octet_length(preferences::text) <= 16384),
        CONSTRAINT users_settings_size CHECK (octet_length(settings::text) <= 16384)
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))`);
    await q.query(`CREATE INDEX users_created_at_idx ON users (created_at, user_id)`);
    await q.query(`CREATE INDEX users_admins_idx ON users (user_id) WHERE 'admin' = ANY(roles)`);
    // One trigram index over the three searchable fields; the exact per-field test runs on its hits.
    await q.query(`
      CREATE INDEX users_search_trgm_idx ON users
      USING gin ((lower(coalesce(full_name, '') || chr(1) || username || chr(1) || email)) gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE organizations (
        org_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        slug varchar(63) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT organizations_slug_key UNIQUE (slug)
      )`);
    await q.query(`
      CREATE TABLE org_members (
        org_id uuid NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
        role varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        added_by uuid REFERENCES users (user_id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, user_id)
      )`);
    await q.query(`CREATE INDEX org_members_user_idx ON org_members (user_id)`);
    await q.query(`CREATE INDEX org_members_keyset_idx ON org_members (org_id, created_at, user_id)`);

    await q.query(`
      CREATE TABLE workspaces (
        workspace_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        slug varchar(63) NOT NULL,
        description varchar(1000),
        member_count integer NOT NULL DEFAULT 0,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT workspaces_org_slug_key UNIQUE (org_id, slug)
      )`);
    await q.query(`CREATE INDEX workspaces_keyset_idx ON workspaces (org_id, created_at, workspace_id)`);
    await q.query(`
      ALTER TABLE users ADD CONSTRAINT users_default_workspace_fk
      FOREIGN KEY (default_workspace_id) REFERENCES workspaces (workspace_id) ON DELETE SET NULL`);

    // user_created_at copies users.created_at (never updated) so the user list pages on one index.
    await q.query(`
      CREATE TABLE workspace_members (
        workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
        role varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        added_by uuid REFERENCES users (user_id) ON DELETE SET NULL,
        user_created_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      )`);
    await q.query(`CREATE INDEX workspace_members_user_idx ON workspace_members (user_id)`);
    await q.query(`CREATE INDEX workspace_members_users_keyset_idx ON workspace_members (workspace_id, user_created_at, user_id)`);
    await q.query(`CREATE INDEX workspace_members_keyset_idx ON workspace_members (workspace_id, created_at, user_id)`);
    await q.query(`CREATE INDEX workspace_members_owners_idx ON workspace_members (workspace_id) WHERE role = 'owner'`);

    await q.query(`
      CREATE FUNCTION workspace_member_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          UPDATE workspaces SET member_count = member_count + 1 WHERE workspace_id = NEW.workspace_id;
        ELSE
          UPDATE workspaces SET member_count = member_count - 1 WHERE workspace_id = OLD.workspace_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER workspace_members_count AFTER INSERT OR DELETE ON workspace_members
      FOR EACH ROW EXECUTE FUNCTION workspace_member_count()`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        token_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
        token_hash bytea NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash)
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)`);

    for (const table of ['users', 'organizations', 'org_members', 'workspaces', 'workspace_members']) {
      await q.query(`CREATE TRIGGER ${table}_updated_at BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION set_updated_at()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS refresh_tokens, workspace_members, org_members CASCADE`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_default_workspace_fk`);
    await q.query(`DROP TABLE IF EXISTS workspaces, organizations, users CASCADE`);
    await q.query(`DROP FUNCTION IF EXISTS workspace_member_count(), jsonb_merge_patch(jsonb, jsonb), set_updated_at()`);
  }
}
