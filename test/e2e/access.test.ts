import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../dist/app.module.js';
import { AccessService } from '../../dist/access/access.service.js';
import { CurrentScope } from '../../dist/access/current-scope.decorator.js';
import { RequirePermission } from '../../dist/access/permission.decorator.js';
import { loadConfig } from '../../dist/config/config.js';
import { bearer, createTestDatabase, dropTestDatabase, expectErrorShape, recordQueries, seedUser, TEST_JWT_SECRET, type SeedUser } from '../support/app.js';

// Routes declared the way a consuming service would: only the permission decorator, no other checks.
// (Decorators are applied by hand: the test transformer does not support parameter decorators.)
class ProbeController {
  org(scope: unknown) {
    return scope;
  }
  workspace(scope: unknown) {
    return scope;
  }
  users(scope: unknown) {
    return scope;
  }
  platform() {
    return {};
  }
}
const routes: [keyof ProbeController, string, string, boolean][] = [
  ['org', 'orgs/:org_id', 'orgs:update', true],
  ['workspace', 'orgs/:org_id/workspaces/:workspace_id', 'members:add', true],
  ['users', 'users', 'users:read', true],
  ['platform', 'platform', 'users:create', false],
];
for (const [method, path, permission, withScope] of routes) {
  const proto = ProbeController.prototype;
  if (withScope) CurrentScope()(proto, method, 0);
  Reflect.decorate([Get(path), RequirePermission(permission)], proto, method, Object.getOwnPropertyDescriptor(proto, method));
}
Controller('probe')(ProbeController);

describe('permission guard and AccessService', () => {
  let app: INestApplication;
  let http: ReturnType<typeof supertest>;
  let db: DataSource;
  let url: string;
  let org: string;
  let otherOrg: string;
  let ws: string;
  let foreignWs: string;
  const users: Record<string, SeedUser> = {};

  beforeAll(async () => {
    url = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: url });
    class ProbeModule {}
    Module({ imports: [AppModule.forRoot({ ...config, databaseUrl: url })], controllers: [ProbeController] })(ProbeModule);
    app = await NestFactory.create(ProbeModule, { logger: false });
    await app.init();
    http = supertest(app.getHttpServer());
    db = app.get(DataSource);
    for (const name of ['wsViewer', 'wsAdmin', 'orgMember', 'orgAdmin', 'orgOwner', 'outsider']) users[name] = await seedUser(db);
    users.platform = await seedUser(db, { roles: ['admin'] });
    [{ org_id: org }, { org_id: otherOrg }] = await db.query(`INSERT INTO organizations (name, slug) VALUES ('A', 'probe-a'), ('B', 'probe-b') RETURNING org_id`);
    [{ workspace_id: ws }] = await db.query(`INSERT INTO workspaces (org_id, name, slug) VALUES ($1, 'W', 'w') RETURNING workspace_id`, [org]);
    [{ workspace_id: foreignWs }] = await db.query(`INSERT INTO workspaces (org_id, name, slug) VALUES ($1, 'X', 'x') RETURNING workspace_id`, [otherOrg]);
    const orgRoles = { wsViewer: 'member', wsAdmin: 'member', orgMember: 'member', orgAdmin: 'admin', orgOwner: 'owner' } as const;
    for (const [name, role] of Object.entries(orgRoles)) {
      await db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, $3)`, [org, users[name].user_id, role]);
    }
    await db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [otherOrg, users.outsider.user_id]);
    for (const [name, role] of [['wsViewer', 'viewer'], ['wsAdmin', 'admin']]) {
      await db.query(`INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at) VALUES ($1, $2, $3, now())`, [ws, users[name].user_id, role]);
    }
  });
  afterAll(async () => {
    await app?.close();
    await dropTestDatabase(url);
  });

  const get = (path: string, who: string) => http.get(path).set(bearer(users[who].token));

  it('answers 401 before anything else', async () => {
    const res = await http.get(`/probe/orgs/${org}`);
    expect(res.status).toBe(401);
  });

  it.each([
    ['wsViewer', 403], ['orgMember', 403], ['orgAdmin', 200], ['orgOwner', 200], ['platform', 200], ['outsider', 404],
  ] as const)('org scope, orgs:update: %s → %i', async (who, status) => {
    const res = await get(`/probe/orgs/${org}`, who);
    expect(res.status).toBe(status);
    if (status === 403) expect(res.body.details).toEqual({ required_permission: 'orgs:update' });
    if (status === 404) expect(res.body.details).toEqual({ resource_type: 'organization', resource_id: org });
  });

  it.each([
    ['wsViewer', 403], ['wsAdmin', 200], ['orgMember', 403], ['orgAdmin', 200], ['orgOwner', 200], ['platform', 200], ['outsider', 404],
  ] as const)('workspace scope, members:add: %s → %i', async (who, status) => {
    const res = await get(`/probe/orgs/${org}/workspaces/${ws}`, who);
    expect(res.status).toBe(status);
    if (status === 403) {
      expectErrorShape(res.body, 403, 'FORBIDDEN');
      expect(res.body.details).toEqual({ required_permission: 'members:add' });
    }
    // An outsider cannot see the org at all; an org member sees every workspace in it.
    if (status === 404) expect(res.body.details).toEqual({ resource_type: 'organization', resource_id: org });
  });

  it('puts the resolved scope on the request', async () => {
    const res = await get(`/probe/orgs/${org}/workspaces/${ws}`, 'orgAdmin');
    expect(res.body).toEqual({
      orgId: org, workspaceId: ws, platformAdmin: false, orgRole: 'admin', workspaceRole: null, effectiveWorkspaceRole: 'admin',
    });
  });

  it('answers 404 workspace for a workspace that lives under another org, even to a platform admin', async () => {
    for (const who of ['orgOwner', 'platform']) {
      const res = await get(`/probe/orgs/${org}/workspaces/${foreignWs}`, who);
      expect(res.status).toBe(404);
      expect(res.body.details).toEqual({ resource_type: 'workspace', resource_id: foreignWs });
    }
  });

  it('answers 404 organization for an org that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const res = await get(`/probe/orgs/${missing}/workspaces/${ws}`, 'platform');
    expect(res.status).toBe(404);
    expect(res.body.details).toEqual({ resource_type: 'organization', resource_id: missing });
  });

  it('resolves a workspace named in the query string', async () => {
    expect((await http.get(`/probe/users?workspace_id=${ws}`).set(bearer(users.wsViewer.token))).status).toBe(200);
    const forbidden = await http.get(`/probe/users?workspace_id=${ws}`).set(bearer(users.orgMember.token));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.details).toEqual({ required_permission: 'users:read' });
    const hidden = await http.get(`/probe/users?workspace_id=${ws}`).set(bearer(users.outsider.token));
    expect(hidden.status).toBe(404);
    expect(hidden.body.details).toEqual({ resource_type: 'workspace', resource_id: ws });
  });

  it('grants permissions outside any scope to platform admins only', async () => {
    expect((await get('/probe/platform', 'platform')).status).toBe(200);
    const res = await get('/probe/platform', 'orgOwner');
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual({ required_permission: 'users:create' });
  });

  it('authorizes conditionally through AccessService', async () => {
    const access = app.get(AccessService);
    const caller = (await db.query(`SELECT * FROM users WHERE user_id = $1`, [users.wsViewer.user_id]))[0];
    await expect(access.authorize(caller, 'users:read', { workspaceId: ws })).resolves.toMatchObject({ workspaceRole: 'viewer' });
    await expect(access.authorize(caller, 'members:add', { workspaceId: ws })).rejects.toMatchObject({ details: { required_permission: 'members:add' } });
    await expect(access.authorize(caller, 'users:read', { workspaceId: foreignWs })).rejects.toMatchObject({ details: { resource_type: 'workspace' } });
  });

  it('spends one query on the scope after the one that loads the caller', async () => {
    const { result: res, sql: seen } = await recordQueries(() => get(`/probe/orgs/${org}/workspaces/${ws}`, 'wsAdmin'));
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/FROM users u WHERE/);
    expect(seen[1]).toMatch(/LEFT JOIN workspace_members/);
  });
});
