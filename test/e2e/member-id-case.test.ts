import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { insertOrg, insertWorkspace, setOrgRole, setWorkspaceRole } from './access-fixtures.js';

describe('member ids sent in upper case', () => {
  let t: TestApp;
  let owner: SeedUser;
  let scopes: { name: string; url: string }[];
  beforeAll(async () => {
    t = await createTestApp();
    owner = await seedUser(t.db);
    const org = await insertOrg(t.db);
    const ws = await insertWorkspace(t.db, org);
    await setOrgRole(t.db, org, owner.user_id, 'owner');
    await setWorkspaceRole(t.db, ws, owner.user_id, 'owner');
    scopes = [
      { name: 'organization', url: `/v1/orgs/${org}/members` },
      { name: 'workspace', url: `/v1/orgs/${org}/workspaces/${ws}/members` },
    ];
  });
  afterAll(() => t?.close());

  const as = (who: SeedUser) => ({
    post: (url: string, body: object) => t.http.post(url).send(body).set(bearer(who.token)),
    patch: (url: string, body: object) => t.http.patch(url).send(body).set(bearer(who.token)),
    delete: (url: string) => t.http.delete(url).set(bearer(who.token)),
  });

  it('add, change and remove the same member as its lower-case id does, and answer with the lower-case id', async () => {
    for (const scope of scopes) {
      const member = await seedUser(t.db);
      const upper = member.user_id.toUpperCase();
      const added = await as(owner).post(scope.url, { user_id: upper });
      expect(added.status, scope.name).toBe(201);
      expect(added.body.user_id).toBe(member.user_id);
      expect((await as(owner).post(scope.url, { user_id: upper })).status, scope.name).toBe(409);
      const changed = await as(owner).patch(`${scope.url}/${upper}`, { role: 'admin' });
      expect(changed.status, scope.name).toBe(200);
      expect(changed.body).toMatchObject({ user_id: member.user_id, role: 'admin' });
      expect((await as(owner).delete(`${scope.url}/${upper}`)).status, scope.name).toBe(204);
    }
  });

  it("recognise the caller's own upper-case id: a plain member may leave", async () => {
    for (const scope of scopes) {
      const member = await seedUser(t.db);
      expect((await as(owner).post(scope.url, { user_id: member.user_id, role: 'member' })).status, scope.name).toBe(201);
      expect((await as(member).delete(`${scope.url}/${member.user_id.toUpperCase()}`)).status, scope.name).toBe(204);
    }
  });

  it('name an unknown member by its lower-case id in the 404', async () => {
    const unknown = (await seedUser(t.db)).user_id;
    for (const scope of scopes) {
      const res = await as(owner).patch(`${scope.url}/${unknown.toUpperCase()}`, { role: 'admin' });
      expect(res.status, scope.name).toBe(404);
      expect(res.body.details).toEqual({ resource_type: 'member', resource_id: unknown });
    }
  });

  it('echo a malformed id as sent, upper case included, in the 422', async () => {
    const badPath = '9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6X';
    const badBody = '9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCBZ6';
    for (const scope of scopes) {
      const path = await as(owner).patch(`${scope.url}/${badPath}`, { role: 'admin' });
      expect(path.status, scope.name).toBe(422);
      expect(path.body.detail).toEqual([
        {
          type: 'uuid_parsing', loc: ['path', 'member_user_id'], input: badPath,
          msg: 'Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `X` at 36',
          ctx: { error: 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `X` at 36' },
        },
      ]);
      const body = await as(owner).post(scope.url, { user_id: badBody });
      expect(body.status, scope.name).toBe(422);
      expect(body.body.detail).toMatchObject([{ type: 'uuid_parsing', loc: ['body', 'user_id'], input: badBody, msg: expect.stringContaining('found `Z` at 35') }]);
    }
  });
});
