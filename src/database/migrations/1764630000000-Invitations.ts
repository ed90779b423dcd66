import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations to an organization (`workspace_id` null) or to one of its workspaces. `state` is
 * stored as `pending`, `accepted`, `revoked` or `expired`; a pending row whose `expires_at` has
 * passed reads as expired until the background sweep writes it so. The token is kept only as
 * its SHA-256.
 */
export class Invitations1764630000000 implements MigrationInterface {
  name = 'Invitations1764630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invitations (
        invitation_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
        workspace_id uuid REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'revoked', 'expired')),
        token_hash bytea NOT NULL,
        inviter_user_id uuid REFERENCES users (user_id) ON DELETE SET NULL,
        accepted_user_id uuid REFERENCES users (user_id) ON DELETE SET NULL,
        expires_at timestamptz(3) NOT NULL,
        accepted_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT invitations_org_role CHECK (workspace_id IS NOT NULL OR role <> 'viewer')
      )`);
    await q.query(`CREATE UNIQUE INDEX invitations_token_hash_key ON invitations (token_hash)`);
    // One pending invitation per scope and address; an org invitation's scope is the org alone.
    await q.query(`CREATE UNIQUE INDEX invitations_pending_key ON invitations (org_id, COALESCE(workspace_id, org_id), email) WHERE state = 'pending'`);
    // The lists (keyset on created_at, invitation_id) and the hourly count per org.
    await q.query(`CREATE INDEX invitations_org_list_idx ON invitations (org_id, created_at, invitation_id) WHERE workspace_id IS NULL`);
    await q.query(`CREATE INDEX invitations_workspace_list_idx ON invitations (workspace_id, created_at, invitation_id) WHERE workspace_id IS NOT NULL`);
    await q.query(`CREATE INDEX invitations_org_created_idx ON invitations (org_id, created_at)`);
    await q.query(`CREATE INDEX invitations_pending_expiry_idx ON invitations (expires_at) WHERE state = 'pending'`);
    await q.query(`CREATE TRIGGER invitations_updated_at BEFORE UPDATE ON invitations FOR EACH ROW EXECUTE FUNCTION set_updated_at()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS invitations`);
  }
}
