import { ALL_PERMISSIONS, ORG_PERMISSIONS, INHERITED_WORKSPACE_ROLE, WORKSPACE_PERMISSIONS, type Permission } from './permissions.js';
import type { KeyGrant } from './principal.js';
import { workspaceRank, type OrgRole, type WorkspaceRole } from './roles.js';

/** What a route names: an organization, a workspace, or both (path `org_id`/`workspace_id`, query `workspace_id`). */
export interface ScopeRef {
  orgId?: string;
  workspaceId?: string;
}

/** The caller's standing in a scope, resolved once per request and kept on it for the handler. */
export interface ResolvedScope {
  orgId: string | null;
  workspaceId: string | null;
  platformAdmin: boolean;
  /** The caller's own org membership. */
  orgRole: OrgRole | null;
  /** The caller's own workspace membership (what the last-owner rule counts). */
  workspaceRole: WorkspaceRole | null;
  /** The role the caller acts with in the workspace: own membership, org inheritance, platform admin. */
  effectiveWorkspaceRole: WorkspaceRole | null;
  /** The permissions an API key confines the caller to (absent or null: no such limit). */
  limit?: ReadonlySet<Permission> | null;
}

/** The rows a standing is read from: the scope's ids as found, and the caller's memberships there. */
export interface StandingRow {
  org_id: string | null;
  org_role: OrgRole | null;
  workspace_id: string | null;
  workspace_role: WorkspaceRole | null;
}

/**
 * The caller's standing from its rows: the one place a row becomes roles, for the guard, effective
 * permissions and the evaluation API alike. An organization key stands in its own org as an org
 * admin would (so it sees the org and each of its workspaces) and nowhere else; its scopes then
 * narrow that to exactly what it was granted.
 */
export function standingOf(row: StandingRow, platformAdmin: boolean, grant?: KeyGrant): ResolvedScope {
  if (grant?.orgId) {
    const orgRole: OrgRole | null = row.org_id !== null && row.org_id === grant.orgId ? 'admin' : null;
    const effective = row.workspace_id && orgRole ? INHERITED_WORKSPACE_ROLE[orgRole] : null;
    return { orgId: row.org_id, workspaceId: row.workspace_id, platformAdmin: false, orgRole, workspaceRole: null, effectiveWorkspaceRole: effective, limit: grant.scopes };
  }
  return {
    orgId: row.org_id,
    workspaceId: row.workspace_id,
    platformAdmin,
    orgRole: row.org_role,
    workspaceRole: row.workspace_role,
    effectiveWorkspaceRole: row.workspace_id ? effectiveWorkspaceRole(row.workspace_role, row.org_role, platformAdmin) : null,
    ...(grant?.scopes ? { limit: grant.scopes } : {}),
  };
}

export function higherWorkspaceRole(a: WorkspaceRole | null, b: WorkspaceRole | null): WorkspaceRole | null {
  if (!a) return b;
  if (!b) return a;
  return workspaceRank(a) <= workspaceRank(b) ? a : b;
}

/** Org admin → admin, org owner → owner in every workspace of the org; a platform admin is owner everywhere. */
export function effectiveWorkspaceRole(own: WorkspaceRole | null, orgRole: OrgRole | null, platformAdmin: boolean): WorkspaceRole | null {
  if (platformAdmin) return 'owner';
  return higherWorkspaceRole(own, orgRole ? INHERITED_WORKSPACE_ROLE[orgRole] : null);
}

/** The org is visible to its members; a workspace membership implies one, but is honoured on its own too. */
export function canSeeOrg(scope: ResolvedScope): boolean {
  return scope.platformAdmin || scope.orgRole !== null || scope.workspaceRole !== null;
}

/**
 * A workspace is visible to whoever sees its org: a plain org member outside it learns that it
 * exists (403 for what they may not do there), only an outsider of the org gets 404.
 */
export function canSeeWorkspace(scope: ResolvedScope): boolean {
  return canSeeOrg(scope);
}

/** Whether the caller holds `permission` in the scope. */
export function hasPermission(scope: ResolvedScope, permission: Permission): boolean {
  if (scope.limit && !scope.limit.has(permission)) return false;
  if (scope.platformAdmin) return true;
  if (scope.orgRole && ORG_PERMISSIONS[scope.orgRole].has(permission)) return true;
  const role = scope.effectiveWorkspaceRole;
  return scope.workspaceId !== null && role !== null && WORKSPACE_PERMISSIONS[role].has(permission);
}

/** Every permission the caller holds in the scope, in table order: what the guard would allow there. */
export function permissionsIn(scope: ResolvedScope): Permission[] {
  return ALL_PERMISSIONS.filter((permission) => hasPermission(scope, permission));
}
