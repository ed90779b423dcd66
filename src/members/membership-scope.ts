import type { Permission } from '../access/permissions.js';
import type { OrgRole, WorkspaceRole } from '../access/roles.js';
import type { ResolvedScope, ScopeRef } from '../access/scope.js';
import type { AppError } from '../common/errors/app-error.js';
import { alreadyMember, lastOrgOwner, lastWorkspaceOwner } from './member-errors.js';

/** The memberships of one organization. */
export interface OrgMembershipScope {
  kind: 'org';
  orgId: string;
}

/** The memberships of one workspace, named with the organization of its path. */
export interface WorkspaceMembershipScope {
  kind: 'workspace';
  orgId: string;
  workspaceId: string;
}

export type MembershipScope = OrgMembershipScope | WorkspaceMembershipScope;

export const orgScope = (orgId: string): OrgMembershipScope => ({ kind: 'org', orgId });

export const workspaceScope = (orgId: string, workspaceId: string): WorkspaceMembershipScope => ({ kind: 'workspace', orgId, workspaceId });

/** The id the memberships of the scope are keyed by. */
export function scopeIdOf(scope: MembershipScope): string {
  return scope.kind === 'org' ? scope.orgId : scope.workspaceId;
}

/** What the guard and the re-check under the lock resolve the caller's standing in. */
export function scopeRefOf(scope: MembershipScope): ScopeRef {
  return scope.kind === 'org' ? { orgId: scope.orgId } : { orgId: scope.orgId, workspaceId: scope.workspaceId };
}

/** The permission that the owner-only rules name in their 403. */
export function manageOwnersPermission(scope: MembershipScope): Permission {
  return scope.kind === 'org' ? 'org_members:manage_owners' : 'members:manage_owners';
}

/** The role the caller acts with: in an org a platform admin acts as owner; in a workspace inheritance counts too. */
export function actingRole(scope: MembershipScope, actor: ResolvedScope): WorkspaceRole | OrgRole | null {
  if (scope.kind === 'workspace') return actor.effectiveWorkspaceRole;
  return actor.platformAdmin ? 'owner' : actor.orgRole;
}

export function alreadyMemberOf(scope: MembershipScope): AppError {
  return alreadyMember(scope.kind === 'org' ? 'organization' : 'workspace');
}

export function lastOwnerOf(scope: MembershipScope): AppError {
  return scope.kind === 'org' ? lastOrgOwner(scope.orgId) : lastWorkspaceOwner(scope.workspaceId);
}
