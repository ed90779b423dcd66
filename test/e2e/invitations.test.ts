import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvitationsService } from '../../dist/invitations/invitations.service.js';
import { bearer, createTestApp, expectErrorShape, seedUser, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { buildWorld, type World } from './access-fixtures.js';
import { eventsOf, INVITATION_KEYS, invitationRow, invitationsPath, invite, sha256, uniqueEmail } from './invitations.fixtures.js';

const ACCEPT_URL = 'https://app.example.test/join?token={token}';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('invitations', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ SMTP_URL: smtp.url, JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', INVITE_ACCEPT_URL: ACCEPT_URL });
    w = await buildWorld(t.db);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  const accept = (body: Record<string, unknown>, token?: string) => {
    const req = t.http.post('/v1/invitations/accept');
    return token ? req.set(bearer(token)).send(body) : req.send(body);
  };
  const stateOf = async (id: string) => (await invitationRow(t.db, id)).state as string;

  describe('create', () => {
    it('answers 201 with the invitation, its token and link, stores only the hash, records the event and mails the link', async () => {
      const email = uniqueEmail('Mixed.Case');
      const res = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email, role: 'member', expires_in_days: 3 });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual([...INVITATION_KEYS, 'token', 'accept_url']);
      expect(res.body).toMatchObject({
        org_id: w.orgId, workspace_id: w.workspaceId, email: email.toLowerCase(), role: 'member', state: 'pending',
        inviter_user_id: w.users.admin.user_id, accepted_user_id: null, accepted_at: null, revoked_at: null,
      });
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.body.accept_url).toBe(ACCEPT_URL.replace('{token}', res.body.token));
      expect(res.body.created_at).toMatch(ISO);
      const days = (Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)) / 86_400_000;
      expect(days).toBeCloseTo(3, 3);

      const row = await invitationRow(t.db, res.body.invitation_id);
      expect(Buffer.compare(row.token_hash, sha256(res.body.token))).toBe(0);
      expect(JSON.stringify(row)).not.toContain(res.body.token);
      expect(row.version).toBe(1);
      expect(await eventsOf(t.db, res.body.invitation_id)).toEqual(['invitation.created']);

      const mail = await smtp.waitFor(email);
      expect(JSON.stringify(mail.to)).toContain(email.toLowerCase());
      expect(mail.subject).toBe('Invitation to join Workspace');
      expect(mail.text).toContain(res.body.accept_url);
      expect(mail.text).toContain(w.users.admin.email);
      expect(mail.text).toContain('as member');
      expect(mail.html).toContain(`href="${res.body.accept_url}"`);

      // The mailed link works.
      const token = new URL(/https:\S+/.exec(mail.text!)![0]).searchParams.get('token')!;
      const ok = await accept({ token, username: `u_${Date.now().toString(36)}`, password: 'long-enough-password' });
      expect(ok.status).toBe(201);
    });

    it('re-inviting an address revokes its pending invitation in the same step', async () => {
      const email = uniqueEmail();
      const first = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email, role: 'viewer' });
      const second = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: email.toUpperCase(), role: 'member' });
      expect(second.status).toBe(201);
      const old = await invitationRow(t.db, first.body.invitation_id);
      expect(old).toMatchObject({ state: 'revoked', version: 2 });
      expect(old.revoked_at).not.toBeNull();
      expect(await eventsOf(t.db, first.body.invitation_id)).toEqual(['invitation.created', 'invitation.revoked']);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM invitations WHERE email = $1 AND state = 'pending'`, [email.toLowerCase()]);
      expect(n).toBe(1);
      const res = await accept({ token: first.body.token, username: 'nobody_here', password: 'long-enough-password' });
      expect(res.status).toBe(404);
      expect(res.body.details).toEqual({ resource_type: 'invitation', resource_id: 'token' });
    });

    it('answers 409 already_member for an address that is a member of the scope', async () => {
      const res = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: w.users.viewer.email.toUpperCase(), role: 'member' });
      expect(res.status).toBe(409);
      expectErrorShape(res.body, 409, 'RESOURCE_CONFLICT');
      expect(res.body.details).toEqual({ reason: 'already_member' });
      const org = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: w.users.orgMember.email, role: 'admin' });
      expect(org.status).toBe(409);
      expect(org.body.details).toEqual({ reason: 'already_member' });
    });

    it('inviting an owner needs the scope’s manage_owners permission', async () => {
      const ws = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'owner' });
      expect(ws.status).toBe(403);
      expect(ws.body.details).toEqual({ required_permission: 'members:manage_owners' });
      expect((await invite(t, w.users.owner.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'owner' })).status).toBe(201);
      const org = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: uniqueEmail(), role: 'owner' });
      expect(org.status).toBe(403);
      expect(org.body.details).toEqual({ required_permission: 'org_members:manage_owners' });
      expect((await invite(t, w.users.orgOwner.token, w.orgId, undefined, { email: uniqueEmail(), role: 'owner' })).status).toBe(201);
    });

    it('hides the org from outsiders (404) and refuses members without members:add (403)', async () => {
      const outsider = await invite(t, w.users.outsider.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'member' });
      expect(outsider.status).toBe(404);
      expect(outsider.body.details).toEqual({ resource_type: 'organization', resource_id: w.orgId });
      const list = await t.http.get(invitationsPath(w.orgId)).set(bearer(w.users.outsider.token));
      expect(list.status).toBe(404);
      const member = await invite(t, w.users.member.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'member' });
      expect(member.status).toBe(403);
      expect(member.body.details).toEqual({ required_permission: 'members:add' });
    });

    it('validates the body: email, role of the scope, expires_in_days 1–30', async () => {
      const res = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: 'nope', role: 'viewer', expires_in_days: 31 });
      expect(res.status).toBe(422);
      expect(res.body.detail.map((d: { loc: unknown[] }) => d.loc)).toEqual([['body', 'email'], ['body', 'role'], ['body', 'expires_in_days']]);
    });
  });

  describe('accept', () => {
    it('as the signed-in invitee (email compared case-insensitively): 200 with the invitation and membership', async () => {
      const user = await seedUser(t.db, { email: uniqueEmail('signed') });
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: user.email.toUpperCase(), role: 'admin' });
      const res = await accept({ token: created.body.token }, user.token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['invitation', 'membership']);
      expect(res.body.invitation).toMatchObject({ invitation_id: created.body.invitation_id, state: 'accepted', accepted_user_id: user.user_id });
      expect(res.body.invitation.accepted_at).toMatch(ISO);
      expect(res.body.membership).toMatchObject({ workspace_id: w.workspaceId, user_id: user.user_id, org_id: w.orgId, role: 'admin', added_by: w.users.admin.user_id });
      const [org] = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2`, [w.orgId, user.user_id]);
      expect(org.role).toBe('member');
      expect(await eventsOf(t.db, created.body.invitation_id)).toEqual(['invitation.created', 'invitation.accepted']);
      const [added] = await t.db.query(`SELECT actor_id, workspace_id FROM events WHERE type = 'workspace_member.added' AND target_id = $1`, [user.user_id]);
      expect(added).toEqual({ actor_id: user.user_id, workspace_id: w.workspaceId });
      const again = await accept({ token: created.body.token }, user.token);
      expect(again.status).toBe(409);
      expect(again.body.details).toEqual({ reason: 'already_accepted' });
    });

    it('as a new user: 201, a verified account with the invited email, signed in with working tokens', async () => {
      const email = uniqueEmail('fresh');
      const created = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email, role: 'admin' });
      const username = `fresh_${Date.now().toString(36)}`;
      const res = await accept({ token: created.body.token, username, password: 'long-enough-password', full_name: 'Fresh Person' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual(['user', 'membership', 'access_token', 'refresh_token', 'token_type', 'expires_in']);
      expect(res.body.user).toMatchObject({ email, username, full_name: 'Fresh Person', is_verified: true, is_active: true, roles: ['user'] });
      expect(res.body.membership).toMatchObject({ user_id: res.body.user.user_id, org_id: w.orgId, role: 'admin' });
      expect(res.body.membership.workspace_id).toBeUndefined();
      expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
      const me = await t.http.get('/v1/users/me').set(bearer(res.body.access_token));
      expect(me.status).toBe(200);
      expect(me.body.user_id).toBe(res.body.user.user_id);
      const refreshed = await t.http.post('/v1/auth/refresh').send({ refresh_token: res.body.refresh_token });
      expect(refreshed.status).toBe(200);
      const login = await t.http.post('/v1/auth/login').send({ login: username, password: 'long-enough-password' });
      expect(login.status).toBe(200);
      const [created_] = await t.db.query(`SELECT actor_type FROM events WHERE type = 'user.created' AND target_id = $1`, [res.body.user.user_id]);
      expect(created_).toEqual({ actor_type: 'system' });
    });

    it('with another email: 403 invitations:accept and the invitation stays pending', async () => {
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'member' });
      const res = await accept({ token: created.body.token }, w.users.orgMember.token);
      expect(res.status).toBe(403);
      expectErrorShape(res.body, 403, 'FORBIDDEN');
      expect(res.body.details).toEqual({ required_permission: 'invitations:accept' });
      expect(await stateOf(created.body.invitation_id)).toBe('pending');
      const [member] = await t.db.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [w.workspaceId, w.users.orgMember.user_id]);
      expect(member).toBeUndefined();
    });

    it('expired: 410 RESOURCE_GONE, and a re-invite of the address works', async () => {
      const email = uniqueEmail();
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email, role: 'member' });
      await t.db.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE invitation_id = $1`, [created.body.invitation_id]);
      const res = await accept({ token: created.body.token, username: 'late_comer', password: 'long-enough-password' });
      expect(res.status).toBe(410);
      expectErrorShape(res.body, 410, 'RESOURCE_GONE');
      expect(res.body.details).toEqual({ resource_type: 'invitation', resource_id: created.body.invitation_id, reason: 'expired' });
      const shown = await t.http.get(`${invitationsPath(w.orgId, w.workspaceId)}/${created.body.invitation_id}`).set(bearer(w.users.viewer.token));
      expect(shown.body.state).toBe('expired');

      const again = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email, role: 'member' });
      expect(again.status).toBe(201);
      expect(await stateOf(created.body.invitation_id)).toBe('expired');
      expect(await eventsOf(t.db, created.body.invitation_id)).toEqual(['invitation.created', 'invitation.expired']);
      const ok = await accept({ token: again.body.token, username: `late_${Date.now().toString(36)}`, password: 'long-enough-password' });
      expect(ok.status).toBe(201);
    });

    it('revoked: the revoke answers 200, then the token is 404 and a second revoke 409', async () => {
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'member' });
      const path = `${invitationsPath(w.orgId, w.workspaceId)}/${created.body.invitation_id}/revoke`;
      const revoked = await t.http.post(path).set(bearer(w.users.admin.token));
      expect(revoked.status).toBe(200);
      expect(Object.keys(revoked.body)).toEqual(INVITATION_KEYS);
      expect(revoked.body).toMatchObject({ state: 'revoked' });
      expect(revoked.body.revoked_at).toMatch(ISO);
      const res = await accept({ token: created.body.token, username: 'too_late', password: 'long-enough-password' });
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
      const twice = await t.http.post(path).set(bearer(w.users.admin.token));
      expect(twice.status).toBe(409);
      expect(twice.body.details).toEqual({ reason: 'not_pending', state: 'revoked' });
    });

    it('an unknown token is 404; without a bearer token username and password are required (422, password masked)', async () => {
      const unknown = await accept({ token: 'x'.repeat(43), username: 'someone_new', password: 'long-enough-password' });
      expect(unknown.status).toBe(404);
      const missing = await accept({ token: 'abc', password: 'secret-password' });
      expect(missing.status).toBe(422);
      expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: { token: '**********', password: '**********' } }]);
      const badBearer = await accept({ token: 'abc' }, 'not-a-jwt');
      expect(badBearer.status).toBe(401);
    });

    it('an address that became a member meanwhile: 409 already_member', async () => {
      const user = await seedUser(t.db, { email: uniqueEmail('joined') });
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: user.email, role: 'member' });
      await t.http.post(`/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`).set(bearer(w.users.admin.token)).send({ user_id: user.user_id });
      const res = await accept({ token: created.body.token }, user.token);
      expect(res.status).toBe(409);
      expect(res.body.details).toEqual({ reason: 'already_member' });
      expect(await stateOf(created.body.invitation_id)).toBe('pending');
    });

    it('concurrent accepts of one token: exactly one succeeds, the others get 409 already_accepted', async () => {
      const email = uniqueEmail('race');
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email, role: 'member' });
      const user = await seedUser(t.db, { email });
      const stamp = Date.now().toString(36);
      const results = await Promise.all([
        ...Array.from({ length: 3 }, () => accept({ token: created.body.token }, user.token)),
        ...Array.from({ length: 3 }, (_, i) => accept({ token: created.body.token, username: `racer_${stamp}_${i}`, password: 'long-enough-password' })),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200 || s === 201)).toHaveLength(1);
      // The new-user attempts that lose either see it accepted, or lose to the signed-in user's email first.
      expect(statuses.filter((s) => s === 409)).toHaveLength(5);
      for (const r of results.filter((r) => r.status === 409)) expect(['already_accepted', 'email']).toContain(r.body.details.reason ?? r.body.details.field);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE lower(email) = $1`, [email]);
      expect(n).toBe(1);
      expect(await eventsOf(t.db, created.body.invitation_id)).toEqual(['invitation.created', 'invitation.accepted']);
    });
  });

  it('an accept racing a re-invite of the same address: one of the two outcomes, never an error', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await seedUser(t.db, { email: uniqueEmail('racing') });
      const created = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: user.email, role: 'member' });
      const [accepted, reinvited] = await Promise.all([
        accept({ token: created.body.token }, user.token),
        invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: user.email, role: 'admin' }),
      ]);
      const outcome = `${accepted.status}/${reinvited.status}`;
      expect(['200/409', '404/201']).toContain(outcome);
      expect(await stateOf(created.body.invitation_id)).toBe(outcome === '200/409' ? 'accepted' : 'revoked');
    }
  });

  describe('list, get, resend', () => {
    it('resend: new token and expiry, mailed again; the old token stops working', async () => {
      const email = uniqueEmail('resend');
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email, role: 'member', expires_in_days: 1 });
      await smtp.waitFor(email, 1);
      const res = await t.http
        .post(`${invitationsPath(w.orgId, w.workspaceId)}/${created.body.invitation_id}/resend`)
        .set(bearer(w.users.admin.token))
        .send({ expires_in_days: 10 });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual([...INVITATION_KEYS, 'token', 'accept_url']);
      expect(res.body.token).not.toBe(created.body.token);
      expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.parse(created.body.expires_at) + 8 * 86_400_000);
      const mail = await smtp.waitFor(email, 2);
      expect(mail.text).toContain(res.body.accept_url);
      const old = await accept({ token: created.body.token, username: 'old_token', password: 'long-enough-password' });
      expect(old.status).toBe(404);
      const ok = await accept({ token: res.body.token, username: `resent_${Date.now().toString(36)}`, password: 'long-enough-password' });
      expect(ok.status).toBe(201);
      expect(await eventsOf(t.db, created.body.invitation_id)).toEqual(['invitation.created', 'invitation.resent', 'invitation.accepted']);
    });

    it('lists a scope’s invitations keyset-paged, filters by state, and gets one', async () => {
      const w2 = await buildWorld(t.db);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await invite(t, w2.users.orgAdmin.token, w2.orgId, undefined, { email: uniqueEmail('list'), role: 'member' })).body.invitation_id);
      await t.http.post(`${invitationsPath(w2.orgId)}/${ids[1]}/revoke`).set(bearer(w2.users.orgAdmin.token));
      await invite(t, w2.users.admin.token, w2.orgId, w2.workspaceId, { email: uniqueEmail('other-scope'), role: 'member' });

      const first = await t.http.get(`${invitationsPath(w2.orgId)}?limit=2`).set(bearer(w2.users.orgAdmin.token));
      expect(first.status).toBe(200);
      expect(Object.keys(first.body)).toEqual(['invitations', 'has_more', 'next_cursor']);
      expect(first.body.invitations.map((i: { invitation_id: string }) => i.invitation_id)).toEqual(ids.slice(0, 2));
      expect(first.body.has_more).toBe(true);
      const second = await t.http.get(`${invitationsPath(w2.orgId)}?limit=2&cursor=${first.body.next_cursor}`).set(bearer(w2.users.orgAdmin.token));
      expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
      expect(second.body.invitations.map((i: { invitation_id: string }) => i.invitation_id)).toEqual([ids[2]]);

      const revoked = await t.http.get(`${invitationsPath(w2.orgId)}?state=revoked`).set(bearer(w2.users.orgAdmin.token));
      expect(revoked.body.invitations.map((i: { invitation_id: string }) => i.invitation_id)).toEqual([ids[1]]);
      const badCursor = await t.http.get(`${invitationsPath(w2.orgId)}?state=pending&cursor=${first.body.next_cursor}`).set(bearer(w2.users.orgAdmin.token));
      expect(badCursor.status).toBe(422);

      const one = await t.http.get(`${invitationsPath(w2.orgId)}/${ids[0]}`).set(bearer(w2.users.orgAdmin.token));
      expect(one.status).toBe(200);
      expect(Object.keys(one.body)).toEqual(INVITATION_KEYS);
      const elsewhere = await t.http.get(`${invitationsPath(w.orgId)}/${ids[0]}`).set(bearer(w.users.orgAdmin.token));
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.body.details).toEqual({ resource_type: 'invitation', resource_id: ids[0] });
      const plainMember = await t.http.get(invitationsPath(w2.orgId)).set(bearer(w2.users.orgMember.token));
      expect(plainMember.status).toBe(403);
      expect(plainMember.body.details).toEqual({ required_permission: 'org_members:read' });
    });

    it('the background sweep writes expired pending invitations with an event each', async () => {
      const created = await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: uniqueEmail('sweep'), role: 'member' });
      await t.db.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE invitation_id = $1`, [created.body.invitation_id]);
      expect(await t.app.get(InvitationsService).expireDue()).toBeGreaterThanOrEqual(1);
      expect(await invitationRow(t.db, created.body.invitation_id)).toMatchObject({ state: 'expired', version: 2 });
      const [event] = await t.db.query(`SELECT actor_type, data->>'state' AS state FROM events WHERE type = 'invitation.expired' AND target_id = $1`, [created.body.invitation_id]);
      expect(event).toEqual({ actor_type: 'system', state: 'expired' });
      expect(await t.app.get(InvitationsService).expireDue()).toBe(0);
    });
  });
});
