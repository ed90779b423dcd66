import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INHERITED_WORKSPACE_ROLE, ORG_PERMISSIONS, WORKSPACE_PERMISSIONS } from '../../dist/access/permissions.js';
import { bearer, createTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { buildWorld, PRINCIPALS, type Principal, type World } from './access-fixtures.js';

/**
 * OWASP API5:2023 broken function level authorization and API1 broken object level authorization:
 * every operation that declares a permission (read from `/openapi.json`, `x-required-permission`)
 * × every standing × the caller's own org and a foreign one. The expected answer of each cell is
 * derived from the permission table (`src/access/permissions.ts`) and the visibility rules, not written by
 * hand: allowed (the request reaches the body or state check), 403 naming the exact permission, or
 * 404 of the scope that the caller cannot see.
 */

const MISSING = '00000000-0000-4000-8000-000000000000';
/** Refused by every body schema that the probed operations have, so an allowed call changes nothing. */
const INVALID_BODY = { name: '', slug: 'X', role: 'boss', email: 'not-an-email', user_id: 'not-a-uuid' };
/** Operations that check no permission on purpose: public, or about the caller themself. */
const SELF_SERVICE = new Set([
  'POST /v1/auth/login', 'POST /v1/auth/token', 'POST /v1/auth/refresh', 'POST /v1/auth/logout', 'GET /.well-known/jwks.json',
  'GET /v1/users/me', 'PATCH /v1/users/me/preferences', 'GET /v1/users/{user_id}', 'POST /v1/orgs', 'GET /v1/orgs',
  'GET /health/live', 'GET /health/ready', 'POST /v1/invitations/accept',
  'POST /v1/auth/verify-email/request', 'POST /v1/auth/verify-email', 'POST /v1/auth/password-reset/request', 'POST /v1/auth/password-reset',
  'POST /v1/users/me/api-keys', 'GET /v1/users/me/api-keys', 'DELETE /v1/users/me/api-keys/{key_id}', 'GET /v1/users/me/permissions',
  'POST /access/v1/evaluation', 'POST /access/v1/evaluations', 'GET /.well-known/authzen-configuration',
]);

type ScopeSide = 'own' | 'foreign';
interface Standing {
  platform: boolean;
  orgRole: keyof typeof ORG_PERMISSIONS | null;
  workspaceRole: keyof typeof WORKSPACE_PERMISSIONS | null;
}

/** Where each principal stands in the org of the world (own) and in the other org (foreign). */
function standingOf(who: Principal, side: ScopeSide): Standing {
  const none: Standing = { platform: false, orgRole: null, workspaceRole: null };
  if (who === 'platform') return { ...none, platform: true };
  if (side === 'foreign') return who === 'outsider' ? { ...none, orgRole: 'owner', workspaceRole: 'owner' } : none;
  if (who === 'viewer' || who === 'member' || who === 'admin' || who === 'owner') return { ...none, orgRole: 'member', workspaceRole: who };
  if (who === 'orgMember') return { ...none, orgRole: 'member' };
  if (who === 'orgAdmin') return { ...none, orgRole: 'admin' };
  if (who === 'orgOwner') return { ...none, orgRole: 'owner' };
  return none;
}

const RANK = ['owner', 'admin', 'member', 'viewer'] as const;
function effectiveWorkspaceRole(s: Standing): keyof typeof WORKSPACE_PERMISSIONS | null {
  const inherited = s.orgRole ? INHERITED_WORKSPACE_ROLE[s.orgRole] : null;
  const roles = [s.workspaceRole, inherited].filter((r): r is (typeof RANK)[number] => !!r);
  return roles.sort((a, b) => RANK.indexOf(a) - RANK.indexOf(b))[0] ?? null;
}

interface Operation {
  name: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  template: string;
  permission: string;
  scope: 'org' | 'workspace' | 'platform';
}

type Expected = { status: 'allowed' } | { status: 403 } | { status: 404; resource_type: 'organization' | 'workspace'; resource_id: string };

/** The permission table's answer for one cell. */
function expected(op: Operation, who: Principal, side: ScopeSide, w: World): Expected {
  const s = standingOf(who, side);
  const orgId = side === 'own' ? w.orgId : w.otherOrgId;
  const workspaceId = side === 'own' ? w.workspaceId : w.otherWorkspaceId;
  if (s.platform) return { status: 'allowed' };
  const seesOrg = s.orgRole !== null || s.workspaceRole !== null;
  const wsRole = effectiveWorkspaceRole(s);
  if (op.scope === 'org' || (op.scope === 'workspace' && op.template.includes('{org_id}'))) {
    if (!seesOrg) return { status: 404, resource_type: 'organization', resource_id: orgId };
  }
  // Every workspace of an org is visible to whoever sees the org; lacking a role there is a 403.
  if (op.scope === 'workspace' && !seesOrg) return { status: 404, resource_type: 'workspace', resource_id: workspaceId };
  const held = new Set<string>(s.orgRole && op.scope !== 'platform' ? ORG_PERMISSIONS[s.orgRole] : []);
  if (op.scope === 'workspace' && wsRole) for (const p of WORKSPACE_PERMISSIONS[wsRole]) held.add(p);
  return held.has(op.permission) ? { status: 'allowed' } : { status: 403 };
}

/** The request of one cell; destructive operations on whole resources get a world of their own. */
function requestFor(op: Operation, side: ScopeSide, w: World): { path: string; body?: object; allowedStatus: number } {
  const ids: Record<string, string> = {
    org_id: side === 'own' ? w.orgId : w.otherOrgId,
    workspace_id: side === 'own' ? w.workspaceId : w.otherWorkspaceId,
    member_user_id: MISSING,
    webhook_id: MISSING,
    invitation_id: MISSING,
    key_id: MISSING,
    user_id: w.target.user_id,
  };
  let path = op.template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]);
  if (op.template === '/v1/users' && op.method === 'get') path += `?workspace_id=${ids.workspace_id}`;
  // A webhook that does not exist: an allowed call gets as far as looking it up, whatever the method.
  if (op.template.includes('{webhook_id}')) return { path, body: op.method === 'patch' ? INVALID_BODY : undefined, allowedStatus: 404 };
  // An operation on one invitation reaches its state check: the missing invitation's 404.
  if (op.template.includes('{invitation_id}')) return { path, body: op.method === 'post' ? {} : undefined, allowedStatus: 404 };
  // A missing member has no permissions to report, a missing key none to revoke: 404 of that, once allowed.
  if (op.method === 'get') return { path, allowedStatus: op.template.endsWith('{member_user_id}/permissions') ? 404 : 200 };
  if (op.method !== 'delete') return { path, body: INVALID_BODY, allowedStatus: 422 };
  return { path, allowedStatus: endsWithMissingId(op) ? 404 : 204 };
}

/** The resource an allowed call's 404 names: the member, key, webhook or invitation the path points at. */
const missingResourceOf = (op: Operation) =>
  op.template.includes('{invitation_id}') ? 'invitation' : op.template.includes('{webhook_id}') ? 'webhook' : op.template.includes('{key_id}') ? 'api_key' : 'member';

const endsWithMissingId = (op: Operation) => /\{(member_user_id|key_id)\}(\/permissions)?$/.test(op.template);
const isDestructive = (op: Operation) => op.method === 'delete' && !endsWithMissingId(op) && !op.template.endsWith('{webhook_id}');

describe('API5 broken function level authorization: every operation × every standing × own and foreign org', () => {
  let t: TestApp;
  let shared: World;
  let operations: Operation[];
  let cells = 0;
  beforeAll(async () => {
    t = await createTestApp();
    shared = await buildWorld(t.db);
    const document = (await t.http.get('/openapi.json')).body;
    operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([, spec]) => spec?.['x-required-permission'])
        .map(([method, spec]) => ({
          name: `${method.toUpperCase()} ${template}`,
          method: method as Operation['method'],
          template,
          permission: spec['x-required-permission'],
          scope: template.includes('{workspace_id}') || template === '/v1/users' && method === 'get' ? 'workspace' : template.includes('{org_id}') ? 'org' : 'platform',
        })),
    );
  });
  afterAll(async () => {
    console.log(`permission matrix: ${cells} cells over ${operations?.length} operations`);
    await t.close();
  });

  it('API5 broken function level authorization: every operation of the document declares a permission or is self-service by design', async () => {
    const document = (await t.http.get('/openapi.json')).body;
    const undeclared = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method, spec]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method) && !spec['x-required-permission'])
        .map(([method]) => `${method.toUpperCase()} ${template}`),
    );
    expect(undeclared.filter((op) => !SELF_SERVICE.has(op))).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(19);
  });

  for (const side of ['own', 'foreign'] as const) {
    it(`API1/API5 authorization: each cell answers as the permission table says, in the ${side} org`, async () => {
      const failures: string[] = [];
      for (const op of operations) {
        for (const who of PRINCIPALS) {
          cells++;
          const want = expected(op, who, side, shared);
          const w = want.status === 'allowed' && isDestructive(op) ? await buildWorld(t.db) : shared;
          const { path, body, allowedStatus } = requestFor(op, side, w);
          const req = t.http[op.method](path).set(bearer(w.users[who].token));
          const res = body ? await req.send(body) : await req;
          const context = `${op.name} as ${who} (${side}): ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
          if (want.status === 'allowed') {
            if (res.status !== allowedStatus) failures.push(`${context}; expected ${allowedStatus}`);
            else if (allowedStatus === 404 && res.body.details?.resource_type !== missingResourceOf(op)) failures.push(`${context}; expected a 404 of the ${missingResourceOf(op)}`);
            continue;
          }
          if (res.status !== want.status) {
            failures.push(`${context}; expected ${want.status}`);
            continue;
          }
          expectErrorShape(res.body, want.status, want.status === 403 ? 'FORBIDDEN' : 'RESOURCE_NOT_FOUND');
          const details = want.status === 403 ? { required_permission: op.permission } : { resource_type: want.resource_type, resource_id: want.resource_id };
          if (JSON.stringify(res.body.details) !== JSON.stringify(details)) failures.push(`${context}; expected details ${JSON.stringify(details)}`);
        }
      }
      expect(failures).toEqual([]);
      // Every operation × every principal, one request after another: longer than a plain test.
    }, 180_000);
  }

  it('answers 401 without a token on every operation that declares a permission', async () => {
    for (const op of operations) {
      const res = await t.http[op.method](requestFor(op, 'own', shared).path);
      expect(res.status, op.name).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('answers 422 for a malformed id before deciding visibility', async () => {
    const res = await t.http.get(`/v1/orgs/not-a-uuid/workspaces/${shared.workspaceId}/members`).set(bearer(shared.users.outsider.token));
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'org_id'], input: 'not-a-uuid' });
  });

  it('API1 broken object level authorization: a workspace id from another org is 404 under this org, whoever asks', async () => {
    const org = `/v1/orgs/${shared.orgId}`;
    for (const who of ['owner', 'orgOwner', 'platform', 'outsider'] as const) {
      for (const suffix of ['', '/members']) {
        const res = await t.http.get(`${org}/workspaces/${shared.otherWorkspaceId}${suffix}`).set(bearer(shared.users[who].token));
        const expectedDetails = who === 'outsider' ? { resource_type: 'organization', resource_id: shared.orgId } : { resource_type: 'workspace', resource_id: shared.otherWorkspaceId };
        expect(res.status, who).toBe(404);
        expect(res.body.details, who).toEqual(expectedDetails);
      }
    }
  });

  it('lets a member leave without members:remove, and only themself', async () => {
    const w = await buildWorld(t.db);
    const ws = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}`;
    const other = await t.http.delete(`${ws}/members/${w.users.member.user_id}`).set(bearer(w.users.viewer.token));
    expect(other.status).toBe(403);
    expect(other.body.details).toEqual({ required_permission: 'members:remove' });
    const leave = await t.http.delete(`${ws}/members/${w.users.viewer.user_id}`).set(bearer(w.users.viewer.token));
    expect(leave.status).toBe(204);
    const [row] = await t.db.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [w.workspaceId, w.users.viewer.user_id]);
    expect(row).toBeUndefined();
    const orgLeave = await t.http.delete(`/v1/orgs/${w.orgId}/members/${w.users.orgMember.user_id}`).set(bearer(w.users.orgMember.token));
    expect(orgLeave.status).toBe(204);
  });
});
