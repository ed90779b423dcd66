import type { OrgRole, WorkspaceRole } from './roles.js';

/**
 * The role → permission table, and the only place it lives. Each role lists the
 * permissions it adds to the role below it; the exported tables hold the full, flattened sets.
 */
const VIEWER = ['workspaces:read', 'members:read', 'users:read'] as const;
const WORKSPACE_ADMIN = [...VIEWER, 'workspaces:update', 'members:add', 'members:update', 'members:remove'] as const;
const WORKSPACE_OWNER = [...WORKSPACE_ADMIN, 'workspaces:delete', 'members:manage_owners'] as const;

const ORG_MEMBER = ['orgs:read'] as const;
const ORG_ADMIN = [
  ...ORG_MEMBER,
  'orgs:update',
  'workspaces:create',
  'org_members:read',
  'org_members:add',
  'org_members:update',
  'org_members:remove',
  'events:read',
  'audit:read',
  'webhooks:manage',
  'api_keys:manage',
] as const;
const ORG_OWNER = [...ORG_ADMIN, 'orgs:delete', 'org_members:manage_owners'] as const;

/** Held by platform admins only (who hold every permission, these and all of the above). */
const PLATFORM_ADMIN = ['users:create', 'users:update', 'users:delete', 'users:manage', 'authz:check'] as const;

/**
 * Decided by the request itself rather than a role: accepting an invitation needs the caller's
 * email to be the invited one (a platform admin is no exception).
 */
export const INVITEE_PERMISSIONS = ['invitations:accept'] as const;

/**
 * Every permission there is, as a `resource:action` string literal: derived from the rows above, so
 * a permission that is not in the table (a typo) does not compile wherever one is expected.
 */
export type Permission =
  | (typeof WORKSPACE_OWNER)[number]
  | (typeof ORG_OWNER)[number]
  | (typeof PLATFORM_ADMIN)[number]
  | (typeof INVITEE_PERMISSIONS)[number];

export const WORKSPACE_PERMISSIONS: Readonly<Record<WorkspaceRole, ReadonlySet<Permission>>> = {
  viewer: new Set(VIEWER),
  member: new Set(VIEWER),
  admin: new Set(WORKSPACE_ADMIN),
  owner: new Set(WORKSPACE_OWNER),
};

export const ORG_PERMISSIONS: Readonly<Record<OrgRole, ReadonlySet<Permission>>> = {
  member: new Set(ORG_MEMBER),
  admin: new Set(ORG_ADMIN),
  owner: new Set(ORG_OWNER),
};

/** Org roles that carry a role in every workspace of the org (org admin → admin, org owner → owner). */
export const INHERITED_WORKSPACE_ROLE: Readonly<Record<OrgRole, WorkspaceRole | null>> = {
  member: null,
  admin: 'admin',
  owner: 'owner',
};

/** Every permission, in table order: what effective permissions list and scopes are checked against. */
export const ALL_PERMISSIONS: readonly Permission[] = [...new Set<Permission>([...WORKSPACE_OWNER, ...ORG_OWNER, ...PLATFORM_ADMIN])];

/**
 * What an organization key may be granted: what an org admin holds in the org and in each of its
 * workspaces, plus asking the evaluation API about others within the org.
 */
export const ORG_KEY_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([...ORG_ADMIN, ...WORKSPACE_ADMIN, 'authz:check']);
