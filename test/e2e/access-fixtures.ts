import type { DataSource } from 'typeorm';
import { seedUser, type SeedUser } from '../support/app.js';

/** Fixtures for org, workspace and membership tests; rows go straight into the database for speed. */

export async function insertOrg(db: DataSource, name = 'Org'): Promise<string> {
  const slug = `o-${Math.random().toString(36).slice(2, 12)}`;
  const [{ org_id }] = await db.query(`INSERT INTO organizations (name, slug) VALUES ($1, $2) RETURNING org_id`, [name, slug]);
  return org_id;
}

export async function insertWorkspace(db: DataSource, orgId: string, name = 'Workspace'): Promise<string> {
  const slug = `w-${Math.random().toString(36).slice(2, 12)}`;
  const [{ workspace_id }] = await db.query(`INSERT INTO workspaces (org_id, name, slug) VALUES ($1, $2, $3) RETURNING workspace_id`, [
    orgId,
    name,
    slug,
  ]);
  return workspace_id;
}

export async function setOrgRole(db: DataSource, orgId: string, userId: string, role: string): Promise<void> {
  await db.query(
    `INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
    [orgId, userId, role],
  );
}

/** A workspace membership, with the org `member` membership it implies. */
export async function setWorkspaceRole(db: DataSource, workspaceId: string, userId: string, role: string): Promise<void> {
  await db.query(
    `INSERT INTO org_members (org_id, user_id, role) SELECT org_id, $2, 'member' FROM workspaces WHERE workspace_id = $1 ON CONFLICT DO NOTHING`,
    [workspaceId, userId],
  );
  await db.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at) SELECT $1, user_id, $3, created_at FROM users WHERE user_id = $2
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
    [workspaceId, userId, role],
  );
}

/** Inserts `count` users in one statement and makes them members of the workspace; returns their ids in insert order. */
export async function bulkMembers(db: DataSource, workspaceId: string, count: number, role = 'member', prefix = 'bulk'): Promise<string[]> {
  const tag = Math.random().toString(36).slice(2, 8);
  const rows: { user_id: string }[] = await db.query(
    `INSERT INTO users (email, username, full_name)
     SELECT $2 || '_' || $3 || '_' || i || '@example.com', $2 || '_' || $3 || '_' || i, 'Bulk ' || i FROM generate_series(1, $1::int) i
     RETURNING user_id`,
    [count, prefix, tag],
  );
  const ids = rows.map((r) => r.user_id);
  await db.query(
    `INSERT INTO org_members (org_id, user_id, role) SELECT w.org_id, u, 'member' FROM workspaces w, unnest($2::uuid[]) u WHERE w.workspace_id = $1`,
    [workspaceId, ids],
  );
  await db.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at, created_at)
     SELECT $1, u.user_id, $3, u.created_at, clock_timestamp() FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, n) JOIN users u ON u.user_id = x.id ORDER BY x.n`,
    [workspaceId, ids, role],
  );
  return ids;
}

export interface World {
  orgId: string;
  workspaceId: string;
  /** Members of another org only. */
  otherOrgId: string;
  otherWorkspaceId: string;
  users: Record<Principal, SeedUser>;
  /** A plain org member and workspace member that calls may target. */
  target: SeedUser;
}

export const PRINCIPALS = ['viewer', 'member', 'admin', 'owner', 'orgMember', 'orgAdmin', 'orgOwner', 'platform', 'outsider'] as const;
export type Principal = (typeof PRINCIPALS)[number];

/**
 * One org with one workspace and a user for each standing: workspace viewer/member/admin/owner (org
 * members), an org member, admin and owner without workspace membership, a platform admin with no
 * membership, and an outsider who owns another org.
 */
export async function buildWorld(db: DataSource): Promise<World> {
  const orgId = await insertOrg(db);
  const workspaceId = await insertWorkspace(db, orgId);
  const otherOrgId = await insertOrg(db, 'Other');
  const otherWorkspaceId = await insertWorkspace(db, otherOrgId);
  const users = {} as Record<Principal, SeedUser>;
  for (const p of PRINCIPALS) users[p] = await seedUser(db, p === 'platform' ? { roles: ['admin'] } : {});
  for (const role of ['viewer', 'member', 'admin', 'owner'] as const) await setWorkspaceRole(db, workspaceId, users[role].user_id, role);
  await setOrgRole(db, orgId, users.orgMember.user_id, 'member');
  await setOrgRole(db, orgId, users.orgAdmin.user_id, 'admin');
  await setOrgRole(db, orgId, users.orgOwner.user_id, 'owner');
  await setOrgRole(db, otherOrgId, users.outsider.user_id, 'owner');
  await setWorkspaceRole(db, otherWorkspaceId, users.outsider.user_id, 'owner');
  const target = await seedUser(db);
  await setWorkspaceRole(db, workspaceId, target.user_id, 'member');
  return { orgId, workspaceId, otherOrgId, otherWorkspaceId, users, target };
}
