import type { DataSource } from 'typeorm';

/** How many rows the plans are checked against: enough that reading a whole table loses to an index. */
export const USERS = 20_000;
/** Users 1..BIG_SCOPE belong to the big organization and to its big workspace. */
export const BIG_SCOPE = 12_000;
export const ORGS = 2_000;
export const WORKSPACES = 4_000;
/** Workspaces 1..BIG_ORG_WORKSPACES belong to the big organization. */
export const BIG_ORG_WORKSPACES = 300;
/**
 * Every user is also a member of this many small organizations and workspaces, so that the big
 * scopes are a minority of the membership tables, as one customer among many is.
 */
export const SMALL_SCOPES = 3;
/** A full name only a few users carry (every 2000th), for a search the trigram index answers. */
export const RARE_NAME = 'zebulon';

export interface PlanFixture {
  bigOrgId: string;
  bigWorkspaceId: string;
  /** A member of the big workspace and organization, and of one small workspace and organization. */
  memberId: string;
  memberEmail: string;
  memberUsername: string;
  /** The live refresh-token family of `memberId`, and the hash of its live token. */
  familyId: string;
  tokenHash: Buffer;
}

/**
 * Set-based inserts: users (1 in 100 inactive), organizations and workspaces (the first of each
 * holding most members), memberships of every user in a small scope too, and two refresh tokens
 * per user (one spent, one live) in one family. Ends with `VACUUM ANALYZE`, so the planner knows
 * the sizes and index-only scans see an all-visible table.
 */
export async function seedPlanFixture(db: DataSource): Promise<PlanFixture> {
  await db.query(
    `INSERT INTO users (email, username, full_name, is_active, created_at)
     SELECT 'u' || i || '@example.com', 'u' || i,
            CASE WHEN i % 2000 = 7 THEN '${RARE_NAME} ' || i ELSE 'Person ' || i END,
            i % 100 <> 3, timestamp '2024-01-01' + i * interval '1 minute'
       FROM generate_series(1, ${USERS}) i`,
  );
  await db.query(
    `INSERT INTO organizations (name, slug, created_at)
     SELECT 'Org ' || i, 'org-' || i, timestamp '2024-01-01' + i * interval '1 minute' FROM generate_series(1, ${ORGS}) i`,
  );
  await db.query(
    `INSERT INTO workspaces (org_id, name, slug, created_at)
     SELECT o.org_id, 'Workspace ' || i, 'ws-' || i, timestamp '2024-01-01' + i * interval '1 minute'
       FROM generate_series(1, ${WORKSPACES}) i
       JOIN organizations o ON o.slug = 'org-' || CASE WHEN i <= ${BIG_ORG_WORKSPACES} THEN 1 ELSE 2 + i % ${ORGS - 1} END`,
  );
  await seedMemberships(db);
  await db.query(
    `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, used_at)
     SELECT f.family_id, f.user_id, sha256(convert_to('token-' || f.user_id || '-' || t, 'UTF8')), now() + interval '30 days',
            CASE WHEN t = 1 THEN now() END
       FROM (SELECT gen_random_uuid() AS family_id, user_id FROM users) f, generate_series(1, 2) t`,
  );
  for (const table of ['users', 'organizations', 'workspaces', 'org_members', 'workspace_members', 'refresh_tokens']) {
    await db.query(`VACUUM ANALYZE ${table}`);
  }
  return fixtureIds(db);
}

/** Role of the n-th member of a big scope: one owner, 1 in 50 admin, 1 in 500 `rare` (viewer in a workspace), members. */
const role = (rare: string) => `CASE WHEN n = 1 THEN 'owner' WHEN n % 50 = 0 THEN 'admin' WHEN n % 500 = 1 THEN '${rare}' ELSE 'member' END`;

async function seedMemberships(db: DataSource): Promise<void> {
  const numbered = `SELECT u.*, substr(u.username, 2)::int AS n FROM users u WHERE u.username ~ '^u[0-9]+$'`;
  await db.query(
    `INSERT INTO org_members (org_id, user_id, role, created_at)
     SELECT (SELECT org_id FROM organizations WHERE slug = 'org-1'), u.user_id, ${role('member')}, u.created_at
       FROM (${numbered}) u WHERE n <= ${BIG_SCOPE}
     UNION ALL
     SELECT o.org_id, u.user_id, 'member', u.created_at
       FROM (${numbered}) u CROSS JOIN generate_series(0, ${SMALL_SCOPES - 1}) k
       JOIN organizations o ON o.slug = 'org-' || (2 + (n * ${SMALL_SCOPES} + k) % ${ORGS - 1})`,
  );
  await db.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role, created_at, user_created_at)
     SELECT (SELECT workspace_id FROM workspaces WHERE slug = 'ws-1'), u.user_id, ${role('viewer')}, u.created_at, u.created_at
       FROM (${numbered}) u WHERE n <= ${BIG_SCOPE}
     UNION ALL
     SELECT w.workspace_id, u.user_id, 'member', u.created_at, u.created_at
       FROM (${numbered}) u CROSS JOIN generate_series(0, ${SMALL_SCOPES - 1}) k
       JOIN workspaces w ON w.slug = 'ws-' || (${BIG_ORG_WORKSPACES + 1} + (n * ${SMALL_SCOPES} + k) % ${WORKSPACES - BIG_ORG_WORKSPACES})`,
  );
}

async function fixtureIds(db: DataSource): Promise<PlanFixture> {
  const [row] = await db.query(
    `SELECT o.org_id, w.workspace_id, u.user_id, u.email, u.username, rt.family_id, rt.token_hash
       FROM organizations o, workspaces w, users u JOIN refresh_tokens rt ON rt.user_id = u.user_id AND rt.used_at IS NULL
      WHERE o.slug = 'org-1' AND w.slug = 'ws-1' AND u.username = 'u100'`,
  );
  return {
    bigOrgId: row.org_id,
    bigWorkspaceId: row.workspace_id,
    memberId: row.user_id,
    memberEmail: row.email,
    memberUsername: row.username,
    familyId: row.family_id,
    tokenHash: row.token_hash,
  };
}
