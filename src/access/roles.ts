/** Roles, highest first. */
export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** Lower is higher: owner 0, admin 1, member 2, viewer 3. */
export function workspaceRank(role: WorkspaceRole): number {
  return WORKSPACE_ROLES.indexOf(role);
}
