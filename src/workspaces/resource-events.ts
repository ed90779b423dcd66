import type { MemberFields } from '../database/entities/member-fields.js';
import { fieldChanges } from '../events/changes.js';
import type { NewEvent } from '../events/event-types.js';
import type { OrganizationResponse } from './organization.dto.js';
import type { WorkspaceResponse } from './workspace.dto.js';

/** A membership written with its org or workspace, with the member's user fields as the member object shows them. */
export type OwnerRow = MemberFields;

/** The member object of the members endpoints, for an event's `data`. */
function memberData(row: OwnerRow, scope: { org_id: string; workspace_id?: string }): Record<string, unknown> {
  const { created_at, updated_at, user_id, ...rest } = row;
  return { ...scope, user_id, ...rest, created_at: created_at.toISOString(), updated_at: updated_at.toISOString() };
}

export function orgEvent(type: 'org.created' | 'org.updated', org: OrganizationResponse, before?: OrganizationResponse): NewEvent {
  return { type, orgId: org.org_id, target: { type: 'organization', id: org.org_id }, data: { ...org }, changes: before ? fieldChanges({ ...before }, { ...org }) : null };
}

export function orgDeleted(orgId: string): NewEvent {
  return { type: 'org.deleted', orgId, target: { type: 'organization', id: orgId }, data: null };
}

export function workspaceEvent(type: 'workspace.created' | 'workspace.updated', ws: WorkspaceResponse, before?: WorkspaceResponse): NewEvent {
  const changes = before ? fieldChanges({ ...before }, { ...ws }) : null;
  return { type, orgId: ws.org_id, workspaceId: ws.workspace_id, target: { type: 'workspace', id: ws.workspace_id }, data: { ...ws }, changes };
}

export function workspaceDeleted(orgId: string, workspaceId: string): NewEvent {
  return { type: 'workspace.deleted', orgId, workspaceId, target: { type: 'workspace', id: workspaceId }, data: null };
}

export function orgMemberAdded(orgId: string, row: OwnerRow): NewEvent {
  return { type: 'org_member.added', orgId, target: { type: 'member', id: row.user_id }, data: memberData(row, { org_id: orgId }) };
}

export function workspaceMemberAdded(orgId: string, workspaceId: string, row: OwnerRow): NewEvent {
  const data = memberData(row, { workspace_id: workspaceId, org_id: orgId });
  return { type: 'workspace_member.added', orgId, workspaceId, target: { type: 'member', id: row.user_id }, data };
}
