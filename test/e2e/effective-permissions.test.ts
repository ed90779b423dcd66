import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, ORG_PERMISSIONS, WORKSPACE_PERMISSIONS } from '../../dist/access/permissions.js';
import { bearer, createTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { buildWorld, type Principal, type World } from './access-fixtures.js';

const WS = (role: keyof typeof WORKSPACE_PERMISSIONS) => [...WORKSPACE_PERMISSIONS[role]];
const ORG = (role: keyof typeof ORG_PERMISSIONS) => [...ORG_PERMISSIONS[role]];
const inTableOrder = (permissions: string[]) => ALL_PERMISSIONS.filter((p) => permissions.includes(p));

// Each standing of the world in its workspace, written out: own role, the role acted with, where it comes from.
const IN_WORKSPACE: Record<Principal, { role: string | null; effective_role: string | null; source: string | null; permissions: string[] }> = {
  viewer: { role: 'viewer', effective_role: 'viewer', source: 'workspace', permissions: [...ORG('member'), ...WS('viewer')] },
  member: { role: 'member', effective_role: 'member', source: 'workspace', permissions: [...ORG('member'), ...WS('member')] },
  admin: { role: 'admin', effective_role: 'admin', source: 'workspace', permissions: [...ORG('member'), ...WS('admin')] },
  owner: { role: 'owner', effective_role: 'owner', source: 'workspace', permissions: [...ORG('member'), ...WS('owner')] },
  orgMember: { role: null, effective_role: null, source: null, permissions: ORG('member') },
  orgAdmin: { role: null, effective_role: 'admin', source: 'org', permissions: [...ORG('admin'), ...WS('admin')] },
  orgOwner: { role: null, effective_role: 'owner', source: 'org', permissions: [...ORG('owner'), ...WS('owner')] },
  platform: { role: null, effective_role: 'owner', source: 'platform', permissions: [...ALL_PERMISSIONS] },
  outsider: { role: null, effective_role: null, source: null, permissions: [] },
};

describe('effective permissions', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t.db);
  });
  afterAll(() => t.close());

  it('lists my permissions in a workspace for every role and source (workspace, org-inherited, platform)', async () => {
    for (const [who, want] of Object.entries(IN_WORKSPACE) as [Principal, (typeof IN_WORKSPACE)[Principal]][]) {
      const res = await t.http.get(`/v1/users/me/permissions?workspace_id=${w.workspaceId}`).set(bearer(w.users[who].token));
      if (who === 'outsider') {
        expect(res.status).toBe(404);
        expect(res.body.details).toEqual({ resource_type: 'workspace', resource_id: w.workspaceId });
        continue;
      }
      expect(res.status, who).toBe(200);
      expect(res.body, who).toEqual({
        user_id: w.users[who].user_id, org_id: w.orgId, workspace_id: w.workspaceId,
        role: want.role, effective_role: want.effective_role, source: want.source, permissions: inTableOrder(want.permissions),
      });
    }
  });

  it('lists org-level permissions with org_id alone, and the platform ones with neither', async () => {
    const admin = await t.http.get(`/v1/users/me/permissions?org_id=${w.orgId}`).set(bearer(w.users.orgAdmin.token));
    expect(admin.body).toEqual({ user_id: w.users.orgAdmin.user_id, org_id: w.orgId, workspace_id: null, role: 'admin', effective_role: 'admin', source: 'org', permissions: inTableOrder(ORG('admin')) });
    const viewer = await t.http.get(`/v1/users/me/permissions?org_id=${w.orgId}`).set(bearer(w.users.viewer.token));
    expect(viewer.body).toMatchObject({ role: 'member', effective_role: 'member', source: 'org', permissions: ['orgs:read'] });
    const none = await t.http.get('/v1/users/me/permissions').set(bearer(w.users.owner.token));
    expect(none.body).toEqual({ user_id: w.users.owner.user_id, org_id: null, workspace_id: null, role: null, effective_role: null, source: null, permissions: [] });
    const platform = await t.http.get('/v1/users/me/permissions').set(bearer(w.users.platform.token));
    expect(platform.body).toMatchObject({ source: 'platform', effective_role: 'owner', permissions: [...ALL_PERMISSIONS] });
    const foreign = await t.http.get(`/v1/users/me/permissions?org_id=${w.otherOrgId}`).set(bearer(w.users.orgOwner.token));
    expect(foreign.status).toBe(404);
    expectErrorShape(foreign.body, 404, 'RESOURCE_NOT_FOUND');
  });

  it('narrows to a personal key’s scopes, as the guard does', async () => {
    const { key } = (await t.http.post('/v1/users/me/api-keys').set(bearer(w.users.owner.token)).send({ name: 'ro', scopes: ['workspaces:read', 'workspaces:delete', 'users:create'] })).body;
    const res = await t.http.get(`/v1/users/me/permissions?workspace_id=${w.workspaceId}`).set(bearer(key));
    expect(res.body.permissions).toEqual(['workspaces:read', 'workspaces:delete']);
  });

  it('shows a member’s permissions to whoever may read the members (members:read), 404 for a non-member', async () => {
    const base = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`;
    for (const who of ['viewer', 'admin', 'orgAdmin', 'platform'] as const) {
      const res = await t.http.get(`${base}/${w.users[who].user_id}/permissions`).set(bearer(w.users.member.token));
      expect(res.status, who).toBe(200);
      expect(res.body, who).toMatchObject({ user_id: w.users[who].user_id, source: IN_WORKSPACE[who].source, permissions: inTableOrder(IN_WORKSPACE[who].permissions) });
    }
    const stranger = await t.http.get(`${base}/${w.users.outsider.user_id}/permissions`).set(bearer(w.users.member.token));
    expect(stranger.status).toBe(404);
    expect(stranger.body.details).toEqual({ resource_type: 'member', resource_id: w.users.outsider.user_id });
    const denied = await t.http.get(`${base}/${w.users.viewer.user_id}/permissions`).set(bearer(w.users.orgMember.token));
    expect(denied.status).toBe(403);
    expect(denied.body.details).toEqual({ required_permission: 'members:read' });
    const hidden = await t.http.get(`${base}/${w.users.viewer.user_id}/permissions`).set(bearer(w.users.outsider.token));
    expect(hidden.status).toBe(404);
  });
});
