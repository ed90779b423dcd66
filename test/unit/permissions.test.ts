import { describe, expect, it } from 'vitest';
import { ORG_PERMISSIONS, WORKSPACE_PERMISSIONS } from '../../dist/access/permissions.js';
import { canSeeOrg, canSeeWorkspace, effectiveWorkspaceRole, hasPermission, type ResolvedScope } from '../../dist/access/scope.js';

const PERMISSIONS = [
  'workspaces:read', 'members:read', 'users:read',
  'workspaces:update', 'members:add', 'members:update', 'members:remove',
  'workspaces:delete', 'members:manage_owners',
  'orgs:read', 'orgs:update', 'workspaces:create',
  'org_members:read', 'org_members:add', 'org_members:update', 'org_members:remove', 'org_members:manage_owners',
  'orgs:delete',
  'users:create', 'users:update', 'users:delete', 'users:manage',
  'events:read', 'audit:read', 'webhooks:manage', 'api_keys:manage', 'authz:check',
] as const;

// The permission table written out cell by cell: Y = granted, . = refused. Columns follow PERMISSIONS.
//                          ws:r m:r u:r ws:u m:a m:u m:rm ws:d m:mo o:r o:u ws:c om:r om:a om:u om:rm om:mo o:d u:c u:u u:d u:m ev:r au:r wh:m ak:m az:c
const WORKSPACE_TABLE: Record<string, string> = {
  viewer: /*             */ 'Y    Y   Y   .    .   .   .    .    .    .   .   .    .    .    .    .     .     .   .   .   .   .   .    .    .    .    .',
  member: /*             */ 'Y    Y   Y   .    .   .   .    .    .    .   .   .    .    .    .    .     .     .   .   .   .   .   .    .    .    .    .',
  admin: /*              */ 'Y    Y   Y   Y    Y   Y   Y    .    .    .   .   .    .    .    .    .     .     .   .   .   .   .   .    .    .    .    .',
  owner: /*              */ 'Y    Y   Y   Y    Y   Y   Y    Y    Y    .   .   .    .    .    .    .     .     .   .   .   .   .   .    .    .    .    .',
};
const ORG_TABLE: Record<string, string> = {
  member: /*             */ '.    .   .   .    .   .   .    .    .    Y   .   .    .    .    .    .     .     .   .   .   .   .   .    .    .    .    .',
  admin: /*              */ '.    .   .   .    .   .   .    .    .    Y   Y   Y    Y    Y    Y    Y     .     .   .   .   .   .   Y    Y    Y    Y    .',
  owner: /*              */ '.    .   .   .    .   .   .    .    .    Y   Y   Y    Y    Y    Y    Y     Y     Y   .   .   .   .   Y    Y    Y    Y    .',
};

const row = (text: string) => text.trim().split(/\s+/).map((cell) => cell === 'Y');

function scope(fields: Partial<ResolvedScope>): ResolvedScope {
  return { orgId: 'o', workspaceId: null, platformAdmin: false, orgRole: null, workspaceRole: null, effectiveWorkspaceRole: null, ...fields };
}

describe('role → permission table', () => {
  it('has one column per permission in each row', () => {
    for (const text of [...Object.values(WORKSPACE_TABLE), ...Object.values(ORG_TABLE)]) expect(row(text)).toHaveLength(PERMISSIONS.length);
  });

  for (const [role, text] of Object.entries(WORKSPACE_TABLE)) {
    row(text).forEach((granted, i) => {
      it(`workspace ${role} ${granted ? 'has' : 'lacks'} ${PERMISSIONS[i]}`, () => {
        expect(WORKSPACE_PERMISSIONS[role as 'owner'].has(PERMISSIONS[i])).toBe(granted);
        const s = scope({ workspaceId: 'w', workspaceRole: role as 'owner', effectiveWorkspaceRole: role as 'owner' });
        expect(hasPermission(s, PERMISSIONS[i])).toBe(granted);
      });
    });
  }

  for (const [role, text] of Object.entries(ORG_TABLE)) {
    row(text).forEach((granted, i) => {
      it(`org ${role} ${granted ? 'has' : 'lacks'} ${PERMISSIONS[i]}`, () => {
        expect(ORG_PERMISSIONS[role as 'owner'].has(PERMISSIONS[i])).toBe(granted);
        expect(hasPermission(scope({ orgRole: role as 'owner' }), PERMISSIONS[i])).toBe(granted);
      });
    });
  }

  it('gives a platform admin every permission, with or without a scope', () => {
    for (const permission of [...PERMISSIONS, 'anything:else']) {
      expect(hasPermission(scope({ platformAdmin: true }), permission)).toBe(true);
      expect(hasPermission(scope({ platformAdmin: true, orgId: null }), permission)).toBe(true);
    }
  });

  it('gives nobody else anything without a scope', () => {
    for (const permission of PERMISSIONS) expect(hasPermission(scope({ orgId: null }), permission)).toBe(false);
  });

  it('does not grant workspace permissions at org scope', () => {
    expect(hasPermission(scope({ orgRole: 'owner', effectiveWorkspaceRole: 'owner' }), 'members:read')).toBe(false);
  });
});

describe('effective workspace role', () => {
  it.each([
    [null, null, false, null],
    ['viewer', null, false, 'viewer'],
    ['viewer', 'member', false, 'viewer'],
    [null, 'member', false, null],
    [null, 'admin', false, 'admin'],
    ['viewer', 'admin', false, 'admin'],
    ['owner', 'admin', false, 'owner'],
    [null, 'owner', false, 'owner'],
    ['member', 'owner', false, 'owner'],
    [null, null, true, 'owner'],
    ['viewer', 'member', true, 'owner'],
  ] as const)('own %s + org %s (platform admin %s) → %s', (own, org, admin, expected) => {
    expect(effectiveWorkspaceRole(own, org, admin)).toBe(expected);
  });

  it('inherits the org-derived role in the workspace permissions', () => {
    const s = scope({ workspaceId: 'w', orgRole: 'admin', effectiveWorkspaceRole: effectiveWorkspaceRole('viewer', 'admin', false) });
    expect(hasPermission(s, 'members:add')).toBe(true);
    expect(hasPermission(s, 'members:manage_owners')).toBe(false);
  });
});

describe('visibility', () => {
  it('shows an org to its members and platform admins only', () => {
    expect(canSeeOrg(scope({}))).toBe(false);
    expect(canSeeOrg(scope({ orgRole: 'member' }))).toBe(true);
    expect(canSeeOrg(scope({ platformAdmin: true }))).toBe(true);
  });

  it('shows every workspace of an org to its members, with or without a role there, and to no one else', () => {
    expect(canSeeWorkspace(scope({ orgRole: 'member', workspaceId: 'w' }))).toBe(true);
    expect(canSeeWorkspace(scope({ orgRole: 'member', workspaceId: 'w', effectiveWorkspaceRole: 'viewer' }))).toBe(true);
    expect(canSeeWorkspace(scope({ platformAdmin: true, workspaceId: 'w', effectiveWorkspaceRole: 'owner' }))).toBe(true);
    expect(canSeeWorkspace(scope({ workspaceId: 'w' }))).toBe(false);
  });

  it('still denies an org member without a role in the workspace its permissions', () => {
    expect(hasPermission(scope({ orgRole: 'member', workspaceId: 'w' }), 'users:read')).toBe(false);
  });
});
