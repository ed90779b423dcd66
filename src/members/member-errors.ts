import { ConflictError } from '../common/errors/app-error.js';

/** The 409s of organization and workspace memberships, thrown by the services and shown as examples in the docs. */
export const alreadyMember = (scope: 'organization' | 'workspace') =>
  new ConflictError(`User is already a member of this ${scope}`, { resource_type: 'member', field: 'user_id' });

export const lastWorkspaceOwner = (workspaceId: string) =>
  new ConflictError('A workspace must keep at least one owner', { reason: 'last_owner', workspace_id: workspaceId });

export const lastOrgOwner = (orgId: string) => new ConflictError('An organization must keep at least one owner', { reason: 'last_owner', org_id: orgId });

export const lastOwnerOfOrgWorkspaces = (workspaceIds: string[]) =>
  new ConflictError('The member is the last owner of workspaces in this organization', { reason: 'last_owner', workspace_ids: workspaceIds });
