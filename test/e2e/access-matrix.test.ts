import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { buildWorld, PRINCIPALS, type Principal, type World } from './access-fixtures.js';

const MISSING = '00000000-0000-4000-8000-000000000000';
const ORG_MEMBERS: Principal[] = ['viewer', 'member', 'admin', 'owner', 'orgMember', 'orgAdmin', 'orgOwner', 'platform'];
const ORG_ADMINS: Principal[] = ['orgAdmin', 'orgOwner', 'platform'];
const ORG_OWNERS: Principal[] = ['orgOwner', 'platform'];
const WS_VISIBLE: Principal[] = ['viewer', 'member', 'admin', 'owner', 'orgAdmin', 'orgOwner', 'platform'];
const WS_ADMINS: Principal[] = ['admin', 'owner', 'orgAdmin', 'orgOwner', 'platform'];
const WS_OWNERS: Principal[] = ['owner', 'orgOwner', 'platform'];

interface Endpoint {
  name: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  path: (w: World) => string;
  permission: string;
  scope: 'org' | 'workspace';
  allowed: Principal[];
  /** Sent to show the permission check passed: it must then fail later (422 body, 404 member) or succeed. */
  body?: object;
  passStatus: number;
  /** Destructive when allowed: each allowed call gets a world of its own. */
  fresh?: boolean;
}

const org = (w: World) => `/v1/orgs/${w.orgId}`;
const ws = (w: World) => `${org(w)}/workspaces/${w.workspaceId}`;

// Every endpoint of §6/§7 with the permission of §8 it declares, and who holds it there.
const ENDPOINTS: Endpoint[] = [
  { name: 'get org', method: 'get', path: org, permission: 'orgs:read', scope: 'org', allowed: ORG_MEMBERS, passStatus: 200 },
  { name: 'update org', method: 'patch', path: org, permission: 'orgs:update', scope: 'org', allowed: ORG_ADMINS, body: { name: '' }, passStatus: 422 },
  { name: 'delete org', method: 'delete', path: org, permission: 'orgs:delete', scope: 'org', allowed: ORG_OWNERS, passStatus: 204, fresh: true },
  { name: 'list org members', method: 'get', path: (w) => `${org(w)}/members`, permission: 'org_members:read', scope: 'org', allowed: ORG_ADMINS, passStatus: 200 },
  { name: 'add org member', method: 'post', path: (w) => `${org(w)}/members`, permission: 'org_members:add', scope: 'org', allowed: ORG_ADMINS, body: {}, passStatus: 422 },
  {
    name: 'update org member', method: 'patch', path: (w) => `${org(w)}/members/${w.target.user_id}`, permission: 'org_members:update', scope: 'org',
    allowed: ORG_ADMINS, body: { role: 'boss' }, passStatus: 422,
  },
  {
    name: 'remove org member', method: 'delete', path: (w) => `${org(w)}/members/${MISSING}`, permission: 'org_members:remove', scope: 'org',
    allowed: ORG_ADMINS, passStatus: 404,
  },
  { name: 'create workspace', method: 'post', path: (w) => `${org(w)}/workspaces`, permission: 'workspaces:create', scope: 'org', allowed: ORG_ADMINS, body: {}, passStatus: 422 },
  { name: 'list workspaces', method: 'get', path: (w) => `${org(w)}/workspaces`, permission: 'orgs:read', scope: 'org', allowed: ORG_MEMBERS, passStatus: 200 },
  { name: 'get workspace', method: 'get', path: ws, permission: 'workspaces:read', scope: 'workspace', allowed: WS_VISIBLE, passStatus: 200 },
  { name: 'update workspace', method: 'patch', path: ws, permission: 'workspaces:update', scope: 'workspace', allowed: WS_ADMINS, body: { slug: 'X' }, passStatus: 422 },
  { name: 'delete workspace', method: 'delete', path: ws, permission: 'workspaces:delete', scope: 'workspace', allowed: WS_OWNERS, passStatus: 204, fresh: true },
  { name: 'list members', method: 'get', path: (w) => `${ws(w)}/members`, permission: 'members:read', scope: 'workspace', allowed: WS_VISIBLE, passStatus: 200 },
  { name: 'add member', method: 'post', path: (w) => `${ws(w)}/members`, permission: 'members:add', scope: 'workspace', allowed: WS_ADMINS, body: { role: 'member' }, passStatus: 422 },
  {
    name: 'update member', method: 'patch', path: (w) => `${ws(w)}/members/${w.target.user_id}`, permission: 'members:update', scope: 'workspace',
    allowed: WS_ADMINS, body: { role: 'boss' }, passStatus: 422,
  },
  {
    name: 'remove member', method: 'delete', path: (w) => `${ws(w)}/members/${MISSING}`, permission: 'members:remove', scope: 'workspace',
    allowed: WS_ADMINS, passStatus: 404,
  },
];

describe('role × permission through every org, workspace and member endpoint (§8)', () => {
  let t: TestApp;
  let shared: World;
  beforeAll(async () => {
    t = await createTestApp();
    shared = await buildWorld(t.db);
  });
  afterAll(() => t.close());

  for (const e of ENDPOINTS) {
    it(`${e.name} requires ${e.permission}`, async () => {
      for (const who of PRINCIPALS) {
        const allowed = e.allowed.includes(who);
        const w = allowed && e.fresh ? await buildWorld(t.db) : shared;
        const req = t.http[e.method](e.path(w)).set(bearer(w.users[who].token));
        const res = e.body ? await req.send(e.body) : await req;
        const context = `${e.name} as ${who}: ${res.status} ${JSON.stringify(res.body)}`;
        if (allowed) {
          expect(res.status, context).toBe(e.passStatus);
          if (e.passStatus === 404) expect(res.body.details, context).toEqual({ resource_type: 'member', resource_id: MISSING });
          continue;
        }
        const hiddenOrg = who === 'outsider';
        const hiddenWorkspace = e.scope === 'workspace' && who === 'orgMember';
        if (hiddenOrg || hiddenWorkspace) {
          expect(res.status, context).toBe(404);
          expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
          expect(res.body.details, context).toEqual(
            hiddenOrg ? { resource_type: 'organization', resource_id: w.orgId } : { resource_type: 'workspace', resource_id: w.workspaceId },
          );
        } else {
          expect(res.status, context).toBe(403);
          expectErrorShape(res.body, 403, 'FORBIDDEN');
          expect(res.body.details, context).toEqual({ required_permission: e.permission });
        }
      }
    });
  }

  it('answers 401 without a token on every endpoint', async () => {
    for (const e of ENDPOINTS) {
      const res = await t.http[e.method](e.path(shared));
      expect(res.status, e.name).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('answers 422 for a malformed id before deciding visibility', async () => {
    const res = await t.http.get(`/v1/orgs/not-a-uuid/workspaces/${shared.workspaceId}/members`).set(bearer(shared.users.outsider.token));
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'org_id'], input: 'not-a-uuid' });
  });

  it('answers 404 workspace for a workspace id from another org, whoever asks', async () => {
    for (const who of ['owner', 'orgOwner', 'platform', 'outsider'] as const) {
      const res = await t.http.get(`${org(shared)}/workspaces/${shared.otherWorkspaceId}/members`).set(bearer(shared.users[who].token));
      const expected = who === 'outsider' ? { resource_type: 'organization', resource_id: shared.orgId } : { resource_type: 'workspace', resource_id: shared.otherWorkspaceId };
      expect(res.status, who).toBe(404);
      expect(res.body.details, who).toEqual(expected);
    }
  });

  it('lets a member leave without members:remove, and only themself', async () => {
    const w = await buildWorld(t.db);
    const other = await t.http.delete(`${ws(w)}/members/${w.users.member.user_id}`).set(bearer(w.users.viewer.token));
    expect(other.status).toBe(403);
    expect(other.body.details).toEqual({ required_permission: 'members:remove' });
    const leave = await t.http.delete(`${ws(w)}/members/${w.users.viewer.user_id}`).set(bearer(w.users.viewer.token));
    expect(leave.status).toBe(204);
    const [row] = await t.db.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [w.workspaceId, w.users.viewer.user_id]);
    expect(row).toBeUndefined();
    const orgLeave = await t.http.delete(`${org(w)}/members/${w.users.orgMember.user_id}`).set(bearer(w.users.orgMember.token));
    expect(orgLeave.status).toBe(204);
  });
});
