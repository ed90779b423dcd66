import type { EntityManager } from 'typeorm';
import { notWorkspaceMember } from '../database/foreign-keys.js';

/*
 * The row locks user changes take, always in this order: the workspace named as default, the
 * active admins, the user row, then the scopes the user owns and their owner memberships. Deleting
 * a user or a workspace takes its own row before the rows that refer to it, so these orders make
 * two such transactions wait for each other rather than deadlock.
 */

/** Locks every active platform admin row (in id order) and returns their ids. */
export async function lockActiveAdmins(em: EntityManager): Promise<string[]> {
  const rows = await em.query(`SELECT user_id FROM users WHERE 'admin' = ANY(roles) AND is_active ORDER BY user_id FOR UPDATE`);
  return rows.map((r: { user_id: string }) => r.user_id);
}

export async function assertMember(em: EntityManager, workspaceId: string, userId: string): Promise<void> {
  const [member] = await em.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 FOR KEY SHARE`, [workspaceId, userId]);
  if (!member) throw notWorkspaceMember(workspaceId);
}

/** Holds the workspace until commit; one deleted meanwhile is refused like any the user is not in. */
export async function lockWorkspace(em: EntityManager, workspaceId: string): Promise<void> {
  const [workspace] = await em.query(`SELECT 1 FROM workspaces WHERE workspace_id = $1 FOR KEY SHARE`, [workspaceId]);
  if (!workspace) throw notWorkspaceMember(workspaceId);
}

/**
 * The scopes (workspaces or orgs) where `userId` is the only owner. Locks the scope rows and then
 * their owner memberships, the order the membership services use, so a concurrent demotion or
 * removal of another owner waits for this transaction (or this one for it) and then sees its result.
 */
export async function lastOwnerships(
  em: EntityManager,
  members: 'workspace_members' | 'org_members',
  scopes: 'workspaces' | 'organizations',
  key: 'workspace_id' | 'org_id',
  userId: string,
): Promise<string[]> {
  const owned = `SELECT ${key} FROM ${members} WHERE user_id = $1 AND role = 'owner'`;
  const locked = await em.query(`SELECT ${key} FROM ${scopes} WHERE ${key} IN (${owned}) ORDER BY ${key} FOR NO KEY UPDATE`, [userId]);
  if (locked.length === 0) return [];
  const owners = (await em.query(
    `SELECT ${key} AS scope_id, user_id FROM ${members}
      WHERE role = 'owner' AND ${key} = ANY($1::uuid[])
      ORDER BY ${key}, user_id FOR UPDATE`,
    [locked.map((r: Record<string, string>) => r[key])],
  )) as { scope_id: string; user_id: string }[];
  const byScope = new Map<string, string[]>();
  for (const o of owners) byScope.set(o.scope_id, [...(byScope.get(o.scope_id) ?? []), o.user_id]);
  return [...byScope].filter(([, ids]) => ids.length === 1 && ids[0] === userId).map(([id]) => id);
}
