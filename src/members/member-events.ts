import type { NewEvent } from '../events/event-types.js';
import { toMemberResponse } from './member-response.js';
import { workspaceScope, type MembershipScope } from './membership-scope.js';
import type { MemberRow } from './memberships.repository.js';

/** Where a membership event sits: its org, and its workspace for a workspace membership. */
function placed(scope: MembershipScope): Pick<NewEvent, 'orgId' | 'workspaceId'> {
  return { orgId: scope.orgId, workspaceId: scope.kind === 'workspace' ? scope.workspaceId : null };
}

const prefix = (scope: MembershipScope) => (scope.kind === 'org' ? 'org_member' : 'workspace_member');
const target = (userId: string) => ({ type: 'member', id: userId });

export function memberAdded(scope: MembershipScope, row: MemberRow): NewEvent {
  return { type: `${prefix(scope)}.added`, ...placed(scope), target: target(row.user_id), data: { ...toMemberResponse(scope, row) } };
}

export function memberRoleChanged(scope: MembershipScope, row: MemberRow, from: string): NewEvent {
  const data = { ...toMemberResponse(scope, row) };
  return { type: `${prefix(scope)}.role_changed`, ...placed(scope), target: target(row.user_id), data, changes: { role: [from, row.role] } };
}

export function memberRemoved(scope: MembershipScope, userId: string): NewEvent {
  return { type: `${prefix(scope)}.removed`, ...placed(scope), target: target(userId), data: null };
}

/** Leaving an org leaves its workspaces: one removal per workspace. */
export function workspaceMembersRemoved(orgId: string, workspaceIds: readonly string[], userId: string): NewEvent[] {
  return workspaceIds.map((id) => memberRemoved(workspaceScope(orgId, id), userId));
}
