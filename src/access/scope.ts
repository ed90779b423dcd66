import { ORG_PERMISSIONS, INHERITED_WORKSPACE_ROLE, WORKSPACE_PERMISSIONS, type Permission } from './permissions.js';
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
  if (scope.platformAdmin) return true;
  if (scope.orgRole && ORG_PERMISSIONS[scope.orgRole].has(permission)) return true;
  const role = scope.effectiveWorkspaceRole;
  return scope.workspaceId !== null && role !== null && WORKSPACE_PERMISSIONS[role].has(permission);
}
