import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';
import { race } from './races.fixtures.js';

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 30);

/**
 * Requests racing the delete of a row they write against: each answers what it would have answered
 * just before or just after the delete (never a 5xx), and the rows stay consistent.
 */
describe('requests racing a delete', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const login = (u: SeedUser) => t.http.post('/v1/auth/login').send({ login: u.username, password: TEST_PASSWORD });
  const deleteUser = (u: SeedUser) => t.http.delete(`/v1/users/${u.user_id}`).set(bearer(u.token));
  const count = async (sql: string, params: unknown[]) => Number((await t.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n);

  it('login against deleting that user: 200 or 401, and no session outlives the user', async () => {
    const seen = await race(ROUNDS, async () => {
      const user = await seedUser(t.db);
      return {
        contenders: [
          { name: 'login', send: () => login(user), allowed: [200, 401] },
          { name: 'delete', send: () => deleteUser(user), allowed: [204] },
        ],
        check: async () => {
          expect(await count(`refresh_tokens WHERE user_id = $1`, [user.user_id])).toBe(0);
          expect(await count(`users WHERE user_id = $1`, [user.user_id])).toBe(0);
        },
      };
    });
    expect(seen.delete[204]).toBe(ROUNDS);
  });

  it('refresh against deleting that user: 200 or 401, and no token outlives the user', async () => {
    await race(ROUNDS, async () => {
      const user = await seedUser(t.db);
      const { refresh_token } = (await login(user)).body;
      return {
        contenders: [
          { name: 'refresh', send: () => t.http.post('/v1/auth/refresh').send({ refresh_token }), allowed: [200, 401] },
          { name: 'delete', send: () => deleteUser(user), allowed: [204] },
        ],
        check: async () => expect(await count(`refresh_tokens WHERE user_id = $1`, [user.user_id])).toBe(0),
      };
    });
  });

  it('creating an org against deleting oneself: never an org without an owner', async () => {
    const seen = await race(ROUNDS, async (i) => {
      const user = await seedUser(t.db);
      return {
        contenders: [
          { name: 'create', send: () => t.http.post('/v1/orgs').set(bearer(user.token)).send({ name: `Race ${i}` }), allowed: [201, 401] },
          // Created first, the org makes them its last owner.
          { name: 'delete', send: () => deleteUser(user), allowed: [204, 409] },
        ],
        check: async (r) => {
          const gone = r.delete.status === 204;
          expect(await count(`users WHERE user_id = $1`, [user.user_id])).toBe(gone ? 0 : 1);
          if (r.create.status === 201) expect(gone).toBe(false);
          expect(await count(`organizations o WHERE NOT EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = o.org_id AND m.role = 'owner')`, [])).toBe(0);
        },
      };
    });
    expect(seen.create[201] ?? 0).toBeGreaterThan(0);
  });

  it('creating a workspace against deleting its org: 201 or 404, never a workspace of a deleted org', async () => {
    const owner = await seedUser(t.db);
    await race(ROUNDS, async (i) => {
      const orgId = await insertOrg(t.db);
      await setOrgRole(t.db, orgId, owner.user_id, 'owner');
      return {
        contenders: [
          { name: 'create', send: () => t.http.post(`/v1/orgs/${orgId}/workspaces`).set(bearer(owner.token)).send({ name: `WS ${i}` }), allowed: [201, 404] },
          { name: 'delete', send: () => t.http.delete(`/v1/orgs/${orgId}`).set(bearer(owner.token)), allowed: [204, 404] },
        ],
        check: async (r) => {
          if (r.create.status === 404) expect(r.create.body.details.resource_type).toBe('organization');
          expect(await count(`workspaces WHERE org_id = $1`, [orgId])).toBe(0);
          expect(await count(`workspaces w WHERE NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.workspace_id AND m.role = 'owner')`, [])).toBe(0);
        },
      };
    });
  });

  it('deleting a workspace against making it one’s default: 200 or 422, the default never dangles', async () => {
    const orgId = await insertOrg(t.db);
    const user = await seedUser(t.db);
    await setOrgRole(t.db, orgId, user.user_id, 'owner');
    // The deadlock needs the delete to land between two statements of the update: more rounds.
    await race(ROUNDS * 2, async () => {
      const workspaceId = await insertWorkspace(t.db, orgId);
      await setWorkspaceRole(t.db, workspaceId, user.user_id, 'owner');
      const put = () => t.http.put(`/v1/users/${user.user_id}`).set(bearer(user.token)).send({ default_workspace_id: workspaceId });
      return {
        contenders: [
          { name: 'put', send: put, allowed: [200, 422] },
          { name: 'delete', send: () => t.http.delete(`/v1/orgs/${orgId}/workspaces/${workspaceId}`).set(bearer(user.token)), allowed: [204] },
        ],
        check: async (r) => {
          // Deleted with the workspace, or refused once it was gone.
          const [row] = await t.db.query(`SELECT default_workspace_id FROM users WHERE user_id = $1`, [user.user_id]);
          if (r.delete.status === 204) expect(row.default_workspace_id).not.toBe(workspaceId);
          if (r.put.status === 200) expect(r.put.body.default_workspace_id).toBe(workspaceId);
        },
      };
    }, 12);
  });
});
