import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../dist/auth/api-keys/api-key-format.js';
import { bearer, captureLogs, createTestApp, expectErrorShape, recordQueries, type SeedUser, seedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const KEY_FIELDS = ['created_at', 'created_by', 'expires_at', 'key_id', 'last_used_at', 'name', 'org_id', 'prefix', 'revoked_at', 'scopes', 'user_id'];

describe('API keys', () => {
  let t: TestApp;
  let lines: string[] = [];
  let owner: SeedUser;
  let orgAdmin: SeedUser;
  let orgMember: SeedUser;
  let outsider: SeedUser;
  let org: string;
  let otherOrg: string;
  let ws: string;
  let foreignWs: string;

  beforeAll(async () => {
    t = await createTestApp({ LOG_LEVEL: 'info' });
    lines = captureLogs(t);
    [owner, orgAdmin, orgMember, outsider] = [await seedUser(t.db), await seedUser(t.db), await seedUser(t.db), await seedUser(t.db)];
    org = await insertOrg(t.db, 'Keys');
    otherOrg = await insertOrg(t.db, 'Other');
    ws = await insertWorkspace(t.db, org);
    foreignWs = await insertWorkspace(t.db, otherOrg);
    await setOrgRole(t.db, org, owner.user_id, 'owner');
    await setOrgRole(t.db, org, orgAdmin.user_id, 'admin');
    await setWorkspaceRole(t.db, ws, orgMember.user_id, 'viewer');
    await setOrgRole(t.db, otherOrg, outsider.user_id, 'owner');
    await setWorkspaceRole(t.db, foreignWs, outsider.user_id, 'owner');
  });
  afterAll(() => t.close());

  async function personalKey(user: SeedUser, body: Record<string, unknown> = { name: 'k' }): Promise<{ key: string; key_id: string }> {
    const res = await t.http.post('/v1/users/me/api-keys').set(bearer(user.token)).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function orgKey(scopes: string[], by: SeedUser = orgAdmin, orgId = org): Promise<{ key: string; key_id: string }> {
    const res = await t.http.post(`/v1/orgs/${orgId}/api-keys`).set(bearer(by.token)).send({ name: 'bot', scopes });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  function expect401(res: { status: number; body: unknown; headers: Record<string, string> }, message = 'Authentication required'): void {
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 401, 'AUTHENTICATION_FAILED');
    expect((res.body as { message: string }).message).toBe(message);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  }

  it('shows the key once: the creating response has it, the database and the list only its hash and prefix', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await t.http.post('/v1/users/me/api-keys').set(bearer(owner.token)).send({ name: 'CI', scopes: ['workspaces:read'], expires_at: expires });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([...KEY_FIELDS, 'key'].sort());
    expect(res.body).toMatchObject({
      name: 'CI', scopes: ['workspaces:read'], org_id: null, user_id: owner.user_id, created_by: owner.user_id,
      expires_at: expires, last_used_at: null, revoked_at: null,
    });
    expect(res.body.key).toMatch(/^idk_[0-9A-Za-z]{38}$/);
    expect(res.body.prefix).toBe(res.body.key.slice(4, 12));
    expect(res.body.created_at).toMatch(ISO);
    const [row] = await t.db.query(`SELECT key_hash, prefix, version FROM api_keys WHERE key_id = $1`, [res.body.key_id]);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_hash).not.toContain(res.body.key.slice(4));
    expect(row).toMatchObject({ prefix: res.body.prefix, version: 1 });
    const list = await t.http.get('/v1/users/me/api-keys').set(bearer(owner.token));
    expect(list.status).toBe(200);
    const listed = list.body.api_keys.find((k: { key_id: string }) => k.key_id === res.body.key_id);
    const { key: _shownOnce, ...withoutKey } = res.body;
    expect(listed).toEqual(withoutKey);
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
    const [event] = await t.db.query(`SELECT actor_type, actor_id, data FROM events WHERE type = 'api_key.created' AND target_id = $1`, [res.body.key_id]);
    expect(event).toMatchObject({ actor_type: 'user', actor_id: owner.user_id });
    expect(JSON.stringify(event.data)).not.toContain(res.body.key);
  });

  it('validates the body: name, scopes as known permissions, expires_at in the future', async () => {
    const res = await t.http.post('/v1/users/me/api-keys').set(bearer(owner.token)).send({ name: '', scopes: ['users:read', 'users:fly'], expires_at: '2001-01-01T00:00:00Z' });
    expect(res.status).toBe(422);
    expect(res.body.detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc])).toEqual([
      ['string_too_short', ['body', 'name']],
      ['enum', ['body', 'scopes']],
      ['value_error', ['body', 'expires_at']],
    ]);
  });

  it('authenticates a personal key as its user, in one query, wherever an access token is accepted', async () => {
    const { key } = await personalKey(owner);
    const first = await t.http.get('/v1/users/me').set(bearer(key));
    const jwt = await t.http.get('/v1/users/me').set(bearer(owner.token));
    expect(first.status).toBe(200);
    expect(first.body).toEqual(jwt.body);
    const { sql } = await recordQueries(() => t.http.get('/v1/users/me').set(bearer(key)).then((r) => expect(r.status).toBe(200)));
    expect(sql).toHaveLength(1);
    expect(sql[0]).toContain('FROM api_keys k LEFT JOIN users u');
    // Every GET of the document, the key against the owner's access token: the same status and body.
    const document = (await t.http.get('/openapi.json')).body;
    const ids: Record<string, string> = { org_id: org, workspace_id: ws, user_id: owner.user_id, member_user_id: orgMember.user_id, key_id: '00000000-0000-4000-8000-000000000000' };
    let compared = 0;
    for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      if (!item.get?.security?.length) continue;
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]) + (template === '/v1/users' ? `?workspace_id=${ws}` : '');
      const [byKey, byToken] = [await t.http.get(path).set(bearer(key)), await t.http.get(path).set(bearer(owner.token))];
      expect([template, byKey.status]).toEqual([template, byToken.status]);
      // An error's timestamp is the moment it was answered, and the feed's cursor the horizon then
      // (events written meanwhile move it); everything else must be the same.
      const same = (body: Record<string, unknown>) => ({ ...body, timestamp: undefined, next_cursor: template.endsWith('/events') ? undefined : body.next_cursor });
      if (template !== '/v1/users/me/api-keys') expect(same(byKey.body)).toEqual(same(byToken.body));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(12);
    // Writes too: a workspace made with the key is the owner's doing.
    const created = await t.http.post(`/v1/orgs/${org}/workspaces`).set(bearer(key)).send({ name: 'By key' });
    expect(created.status).toBe(201);
    const [member] = await t.db.query(`SELECT role, added_by FROM workspace_members WHERE workspace_id = $1`, [created.body.workspace_id]);
    expect(member.role).toBe('owner');
  });

  it('holds a scoped personal key to its scopes: 403 naming the permission outside them', async () => {
    const { key } = await personalKey(owner, { name: 'read-only', scopes: ['workspaces:read', 'orgs:read'] });
    expect((await t.http.get(`/v1/orgs/${org}/workspaces/${ws}`).set(bearer(key))).status).toBe(200);
    const update = await t.http.patch(`/v1/orgs/${org}/workspaces/${ws}`).set(bearer(key)).send({ name: 'Renamed' });
    expect(update.status).toBe(403);
    expectErrorShape(update.body, 403, 'FORBIDDEN');
    expect(update.body.details).toEqual({ required_permission: 'workspaces:update' });
    const members = await t.http.get(`/v1/orgs/${org}/workspaces/${ws}/members`).set(bearer(key));
    expect(members.body.details).toEqual({ required_permission: 'members:read' });
    // Still 404 where its owner cannot see: the key never widens what the owner sees.
    expect((await t.http.get(`/v1/orgs/${otherOrg}`).set(bearer(key))).status).toBe(404);
    // Deleting oneself is waived for the owner's token, not for a key without that scope.
    const remove = await t.http.delete(`/v1/users/${owner.user_id}`).set(bearer(key));
    expect(remove.body.details).toEqual({ required_permission: 'users:delete' });
    // A key it makes gets no more than it has.
    const wider = await t.http.post('/v1/users/me/api-keys').set(bearer(key)).send({ name: 'wider', scopes: ['workspaces:update'] });
    expect(wider.status).toBe(422);
    const same = await t.http.post('/v1/users/me/api-keys').set(bearer(key)).send({ name: 'same' });
    expect(same.body.scopes.sort()).toEqual(['orgs:read', 'workspaces:read']);
  });

  it('confines an organization key to its org with exactly its scopes; what it adds names its creator', async () => {
    const { key, key_id } = await orgKey(['workspaces:read', 'members:read', 'members:add', 'orgs:read']);
    expect((await t.http.get(`/v1/orgs/${org}/workspaces/${ws}`).set(bearer(key))).status).toBe(200);
    const added = await t.http.post(`/v1/orgs/${org}/workspaces/${ws}/members`).set(bearer(key)).send({ user_id: outsider.user_id, role: 'viewer' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const [row] = await t.db.query(`SELECT added_by FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [ws, outsider.user_id]);
    expect(row.added_by).toBe(orgAdmin.user_id);
    const foreign = await t.http.get(`/v1/orgs/${otherOrg}/workspaces/${foreignWs}`).set(bearer(key));
    expect(foreign.status).toBe(404);
    expect(foreign.body.details).toEqual({ resource_type: 'organization', resource_id: otherOrg });
    const byWorkspace = await t.http.get(`/v1/users?workspace_id=${foreignWs}`).set(bearer(key));
    expect(byWorkspace.body.details).toEqual({ resource_type: 'workspace', resource_id: foreignWs });
    const platform = await t.http.post('/v1/users').set(bearer(key)).send({ email: 'x@example.com', username: 'xx', password: 'long-enough-password' });
    expect(platform.status).toBe(403);
    expect(platform.body.details).toEqual({ required_permission: 'users:create' });
    const lacking = await t.http.patch(`/v1/orgs/${org}`).set(bearer(key)).send({ name: 'New' });
    expect(lacking.body.details).toEqual({ required_permission: 'orgs:update' });
    const me = await t.http.get('/v1/users/me').set(bearer(key));
    expect(me.status).toBe(403);
    expectErrorShape(me.body, 403, 'FORBIDDEN');
    expect(me.body.details).toEqual({ required_principal: 'user' });
    const del = await t.http.delete(`/v1/orgs/${org}/api-keys/${key_id}`).set(bearer(orgAdmin.token));
    expect(del.status).toBe(204);
  });

  it('records an organization key as the actor of what it does', async () => {
    const { key } = await orgKey(['api_keys:manage', 'orgs:read']);
    const made = await t.http.post(`/v1/orgs/${org}/api-keys`).set(bearer(key)).send({ name: 'child', scopes: ['orgs:read'] });
    expect(made.status).toBe(201);
    expect(made.body.created_by).toBe(orgAdmin.user_id);
    const [{ key_id: parentId }] = await t.db.query(`SELECT key_id FROM api_keys WHERE key_hash = encode(sha256($1::bytea), 'hex')`, [key]);
    const [event] = await t.db.query(`SELECT actor_type, actor_id, org_id FROM events WHERE type = 'api_key.created' AND target_id = $1`, [made.body.key_id]);
    expect(event).toEqual({ actor_type: 'api_key', actor_id: parentId, org_id: org });
    const beyond = await t.http.post(`/v1/orgs/${org}/api-keys`).set(bearer(key)).send({ name: 'wider', scopes: ['orgs:update'] });
    expect(beyond.status).toBe(422);
  });

  it('manages organization keys with api_keys:manage only; org keys hold at most an org admin’s permissions', async () => {
    const denied = await t.http.get(`/v1/orgs/${org}/api-keys`).set(bearer(orgMember.token));
    expect(denied.status).toBe(403);
    expect(denied.body.details).toEqual({ required_permission: 'api_keys:manage' });
    const stranger = await seedUser(t.db);
    expect((await t.http.get(`/v1/orgs/${org}/api-keys`).set(bearer(stranger.token))).status).toBe(404);
    const tooMuch = await t.http.post(`/v1/orgs/${org}/api-keys`).set(bearer(owner.token)).send({ name: 'x', scopes: ['orgs:delete'] });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'scopes'] });
    const none = await t.http.post(`/v1/orgs/${org}/api-keys`).set(bearer(owner.token)).send({ name: 'x' });
    expect(none.status).toBe(422);
    const { key_id } = await orgKey(['orgs:read'], owner);
    const list = await t.http.get(`/v1/orgs/${org}/api-keys`).set(bearer(orgAdmin.token));
    expect(list.body.api_keys.some((k: { key_id: string; org_id: string; user_id: null }) => k.key_id === key_id && k.org_id === org && k.user_id === null)).toBe(true);
    const elsewhere = await t.http.delete(`/v1/orgs/${otherOrg}/api-keys/${key_id}`).set(bearer(outsider.token));
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.details).toEqual({ resource_type: 'api_key', resource_id: key_id });
  });

  it('answers 401 for a revoked, expired, malformed, wrong-checksum, truncated or unknown key; a bad checksum costs no query', async () => {
    const revoked = await personalKey(owner);
    expect((await t.http.delete(`/v1/users/me/api-keys/${revoked.key_id}`).set(bearer(owner.token))).status).toBe(204);
    expect401(await t.http.get('/v1/users/me').set(bearer(revoked.key)));
    const [{ revoked_at, version }] = await t.db.query(`SELECT revoked_at, version FROM api_keys WHERE key_id = $1`, [revoked.key_id]);
    expect(revoked_at).not.toBeNull();
    expect(version).toBe(2);
    expect((await t.http.delete(`/v1/users/me/api-keys/${revoked.key_id}`).set(bearer(owner.token))).status).toBe(404);
    const expired = await personalKey(owner);
    await t.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1`, [expired.key_id]);
    expect401(await t.http.get('/v1/users/me').set(bearer(expired.key)), 'Token expired');
    const good = (await personalKey(owner)).key;
    const wrongChecksum = good.slice(0, 41) + (good[41] === 'A' ? 'B' : 'A');
    for (const bad of [wrongChecksum, good.slice(0, 30), `${good.slice(0, 10)}!${good.slice(11)}`, 'idk_']) {
      const { result, sql } = await recordQueries(() => t.http.get('/v1/users/me').set(bearer(bad)));
      expect401(result);
      expect(sql).toEqual([]);
    }
    const unknown = generateApiKey().key;
    const { result, sql } = await recordQueries(() => t.http.get('/v1/users/me').set(bearer(unknown)));
    expect401(result);
    expect(sql).toHaveLength(1);
  });

  it('ends a personal key with its owner: disabled, or every session ended (password change)', async () => {
    const user = await seedUser(t.db);
    const { key } = await personalKey(user);
    await t.db.query(`UPDATE users SET sessions_revoked_at = now() + interval '1 second' WHERE user_id = $1`, [user.user_id]);
    expect401(await t.http.get('/v1/users/me').set(bearer(key)));
    const other = await seedUser(t.db);
    const second = await personalKey(other);
    await t.db.query(`UPDATE users SET is_active = false WHERE user_id = $1`, [other.user_id]);
    expect401(await t.http.get('/v1/users/me').set(bearer(second.key)), 'Account is disabled');
  });

  it('ends an organization key whose creator’s account is deleted', async () => {
    const creator = await seedUser(t.db);
    await setOrgRole(t.db, org, creator.user_id, 'admin');
    const { key, key_id } = await orgKey(['orgs:read'], creator);
    expect((await t.http.get(`/v1/orgs/${org}`).set(bearer(key))).status).toBe(200);
    await t.db.query(`DELETE FROM users WHERE user_id = $1`, [creator.user_id]);
    expect401(await t.http.get(`/v1/orgs/${org}`).set(bearer(key)));
    const [row] = await t.db.query(`SELECT created_by, org_id FROM api_keys WHERE key_id = $1`, [key_id]);
    expect(row).toEqual({ created_by: null, org_id: org });
  });

  it('writes last_used_at at most once a minute, however many requests race', async () => {
    const { key, key_id } = await personalKey(owner);
    const { sql } = await recordQueries(() => Promise.all(Array.from({ length: 40 }, () => t.http.get('/v1/users/me').set(bearer(key)))));
    await new Promise((r) => setTimeout(r, 100));
    expect(sql.filter((q) => q.startsWith('UPDATE api_keys SET last_used_at'))).toHaveLength(1);
    const [{ last_used_at }] = await t.db.query(`SELECT last_used_at FROM api_keys WHERE key_id = $1`, [key_id]);
    expect(last_used_at).not.toBeNull();
    const again = await recordQueries(() => Promise.all(Array.from({ length: 10 }, () => t.http.get('/v1/users/me').set(bearer(key)))));
    expect(again.sql.filter((q) => q.includes('UPDATE api_keys'))).toEqual([]);
    const listed = (await t.http.get('/v1/users/me/api-keys').set(bearer(owner.token))).body.api_keys.find((k: { key_id: string }) => k.key_id === key_id);
    expect(listed.last_used_at).toBe(last_used_at.toISOString());
  });

  it('never writes a key to the log', async () => {
    const { key } = await personalKey(owner);
    await t.http.get('/v1/users/me').set(bearer(key));
    await t.http.get('/v1/users/me').set(bearer(key.slice(0, 40)));
    const text = lines.join('');
    expect(text).toContain('/v1/users/me/api-keys');
    expect(text).not.toContain(key.slice(4, 36));
  });
});
