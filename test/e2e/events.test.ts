import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRetention } from '../../dist/events/feed/event-retention.js';
import { bearer, createTestApp, seedUser, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { ConsumerEventsModule } from '../support/events.module.js';
import { eventsAfter, mark } from './events.fixtures.js';
import { addMember, addOrgMember, seedAdmin, seedOrg, seedWorkspace } from './users.fixtures.js';

let t: TestApp;
let admin: SeedUser;

beforeAll(async () => {
  t = await createTestApp({}, { modules: [ConsumerEventsModule] });
  admin = await seedAdmin(t.db);
});
afterAll(() => t?.close());

const summary = (events: { type: string; target_type: string; target_id: string }[]) => events.map((e) => [e.type, e.target_type, e.target_id]);

describe('users write their events in the same transaction', () => {
  it('created, updated (changed fields only), password_changed (no password anywhere), disabled, deleted', async () => {
    const start = await mark(t.db);
    const created = await t.http.post('/v1/users').set(bearer(admin.token)).set('X-Request-ID', 'req-create-1').send({ email: 'ev1@example.com', username: 'ev_one', password: 'first-password' });
    expect(created.status).toBe(201);
    const id = created.body.user_id;
    const [createdEvent] = await eventsAfter(t.db, start);
    expect(createdEvent).toMatchObject({ type: 'user.created', actor_type: 'user', actor_id: admin.user_id, target_type: 'user', target_id: id, changes: null, request_id: 'req-create-1' });
    expect(createdEvent.data).toEqual(created.body);

    const step = await mark(t.db);
    const updated = await t.http.put(`/v1/users/${id}`).set(bearer(admin.token)).send({ full_name: 'Eve One', bio: null, password: 'second-password', is_active: false });
    expect(updated.status).toBe(200);
    const events = await eventsAfter(t.db, step);
    expect(summary(events)).toEqual([
      ['user.updated', 'user', id],
      ['user.password_changed', 'user', id],
      ['user.disabled', 'user', id],
    ]);
    // updated_at moves with every change and is left out; the password is no field of the user object.
    expect(events[0].changes).toEqual({ full_name: [null, 'Eve One'], is_active: [true, false] });
    expect(events[0].data).toEqual(updated.body);
    const raw = JSON.stringify(await t.db.query(`SELECT data, changes FROM events WHERE sequence > $1`, [start]));
    expect(raw).not.toContain('second-password');
    expect(raw).not.toContain('first-password');
    expect(raw).not.toContain('$argon2');

    const before = await mark(t.db);
    expect((await t.http.delete(`/v1/users/${id}`).set(bearer(admin.token))).status).toBe(204);
    expect(summary(await eventsAfter(t.db, before))).toEqual([['user.deleted', 'user', id]]);
  });

  it('a preferences merge records the before and after of preferences', async () => {
    const user = await seedUser(t.db, { preferences: { theme: 'dark' } });
    const start = await mark(t.db);
    expect((await t.http.patch('/v1/users/me/preferences').set(bearer(user.token)).send({ preferences: { lang: 'fr' } })).status).toBe(200);
    const [event] = await eventsAfter(t.db, start);
    expect(event).toMatchObject({ type: 'user.updated', actor_id: user.user_id, changes: { preferences: [{ theme: 'dark' }, { theme: 'dark', lang: 'fr' }] } });
  });

  it('an update that changes nothing records nothing', async () => {
    const user = await seedUser(t.db, { full_name: 'Same' });
    const start = await mark(t.db);
    expect((await t.http.put(`/v1/users/${user.user_id}`).set(bearer(user.token)).send({ full_name: 'Same' })).status).toBe(200);
    expect(await eventsAfter(t.db, start)).toEqual([]);
  });

  it('a refused delete (409 last owner) writes nothing', async () => {
    const owner = await seedUser(t.db);
    const org = await seedOrg(t.db, owner.user_id);
    const start = await mark(t.db);
    const res = await t.http.delete(`/v1/users/${owner.user_id}`).set(bearer(owner.token));
    expect(res.status).toBe(409);
    expect(await eventsAfter(t.db, start)).toEqual([]);
    expect(await t.db.query(`SELECT org_id FROM org_members WHERE user_id = $1`, [owner.user_id])).toEqual([{ org_id: org }]);
  });
});

describe('sign-in events', () => {
  it('login succeeded and failed (known account, unknown login), logout, refresh reuse', async () => {
    const user = await seedUser(t.db);
    const start = await mark(t.db);
    const ok = await t.http.post('/v1/auth/login').send({ login: user.email, password: TEST_PASSWORD });
    expect(ok.status).toBe(200);
    expect((await t.http.post('/v1/auth/login').send({ login: user.username, password: 'wrong-password' })).status).toBe(401);
    expect((await t.http.post('/v1/auth/login').send({ login: 'Nobody@Example.com', password: 'wrong-password' })).status).toBe(401);
    const rotated = await t.http.post('/v1/auth/refresh').send({ refresh_token: ok.body.refresh_token });
    expect(rotated.status).toBe(200);
    expect((await t.http.post('/v1/auth/refresh').send({ refresh_token: ok.body.refresh_token })).status).toBe(401);
    const second = await t.http.post('/v1/auth/login').send({ login: user.email, password: TEST_PASSWORD });
    expect((await t.http.post('/v1/auth/logout').set(bearer(second.body.access_token)).send({ refresh_token: second.body.refresh_token })).status).toBe(204);
    const events = await eventsAfter(t.db, start);
    expect(events.map((e) => [e.type, e.actor_type, e.actor_id, e.target_type, e.target_id, e.data])).toEqual([
      ['auth.login_succeeded', 'user', user.user_id, 'user', user.user_id, null],
      ['auth.login_failed', 'system', null, 'user', user.user_id, { reason: 'invalid_credentials' }],
      ['auth.login_failed', 'system', null, 'login', 'nobody@example.com', { reason: 'invalid_credentials' }],
      ['auth.refresh_reuse_detected', 'system', null, 'user', user.user_id, { family_id: expect.any(String) }],
      ['auth.login_succeeded', 'user', user.user_id, 'user', user.user_id, null],
      ['auth.logged_out', 'user', user.user_id, 'user', user.user_id, { family_id: expect.any(String) }],
    ]);
  });
});

describe('organizations, workspaces and members', () => {
  it('each change writes its events, with the org and workspace they belong to', async () => {
    const owner = await seedUser(t.db);
    const other = await seedUser(t.db);
    const start = await mark(t.db);
    const org = (await t.http.post('/v1/orgs').set(bearer(owner.token)).send({ name: 'Evented' })).body;
    const o = org.org_id;
    expect((await t.http.patch(`/v1/orgs/${o}`).set(bearer(owner.token)).send({ name: 'Evented 2' })).status).toBe(200);
    const ws = (await t.http.post(`/v1/orgs/${o}/workspaces`).set(bearer(owner.token)).send({ name: 'W' })).body;
    const w = ws.workspace_id;
    expect((await t.http.patch(`/v1/orgs/${o}/workspaces/${w}`).set(bearer(owner.token)).send({ description: 'd' })).status).toBe(200);
    expect((await t.http.post(`/v1/orgs/${o}/workspaces/${w}/members`).set(bearer(owner.token)).send({ user_id: other.user_id })).status).toBe(201);
    expect((await t.http.patch(`/v1/orgs/${o}/workspaces/${w}/members/${other.user_id}`).set(bearer(owner.token)).send({ role: 'admin' })).status).toBe(200);
    expect((await t.http.patch(`/v1/orgs/${o}/members/${other.user_id}`).set(bearer(owner.token)).send({ role: 'admin' })).status).toBe(200);
    expect((await t.http.delete(`/v1/orgs/${o}/members/${other.user_id}`).set(bearer(owner.token))).status).toBe(204);
    expect((await t.http.post(`/v1/orgs/${o}/members`).set(bearer(owner.token)).send({ user_id: other.user_id })).status).toBe(201);
    expect((await t.http.delete(`/v1/orgs/${o}/workspaces/${w}`).set(bearer(owner.token))).status).toBe(204);
    expect((await t.http.delete(`/v1/orgs/${o}`).set(bearer(owner.token))).status).toBe(204);
    const events = await eventsAfter(t.db, start);
    expect(events.map((e) => [e.type, e.org_id, e.workspace_id, e.target_id])).toEqual([
      ['org.created', o, null, o],
      ['org_member.added', o, null, owner.user_id],
      ['org.updated', o, null, o],
      ['workspace.created', o, w, w],
      ['workspace_member.added', o, w, owner.user_id],
      ['workspace.updated', o, w, w],
      ['org_member.added', o, null, other.user_id],
      ['workspace_member.added', o, w, other.user_id],
      ['workspace_member.role_changed', o, w, other.user_id],
      ['org_member.role_changed', o, null, other.user_id],
      ['workspace_member.removed', o, w, other.user_id],
      ['org_member.removed', o, null, other.user_id],
      ['org_member.added', o, null, other.user_id],
      ['workspace.deleted', o, w, w],
      ['org.deleted', o, null, o],
    ]);
    expect(events[2].changes).toEqual({ name: ['Evented', 'Evented 2'] });
    expect(events[5].changes).toEqual({ description: [null, 'd'] });
    expect(events[8].changes).toEqual({ role: ['member', 'admin'] });
    expect(events[0].data).toEqual(org);
    expect(events[3].data).toEqual(ws);
    expect(Object.keys(events[7].data!).sort()).toEqual(['added_by', 'avatar_url', 'created_at', 'email', 'full_name', 'org_id', 'role', 'updated_at', 'user_id', 'username', 'workspace_id']);
  });

  it('demoting the last owner (409) writes nothing', async () => {
    const owner = await seedUser(t.db);
    const org = await seedOrg(t.db, owner.user_id);
    const ws = await seedWorkspace(t.db, org);
    await addMember(t.db, ws, owner.user_id, 'owner');
    const start = await mark(t.db);
    expect((await t.http.patch(`/v1/orgs/${org}/workspaces/${ws}/members/${owner.user_id}`).set(bearer(owner.token)).send({ role: 'member' })).status).toBe(409);
    expect((await t.http.delete(`/v1/orgs/${org}/members/${owner.user_id}`).set(bearer(owner.token))).status).toBe(409);
    expect(await eventsAfter(t.db, start)).toEqual([]);
  });
});

describe('the feed', () => {
  let owner: SeedUser;
  let orgId: string;

  beforeAll(async () => {
    owner = await seedUser(t.db);
    orgId = (await t.http.post('/v1/orgs').set(bearer(owner.token)).send({ name: 'Feed org' })).body.org_id;
  });

  /**
   * Reads from `after` until `enough` holds. The feed shows an event once every older transaction on
   * the server has finished, and other databases of the test server have transactions of their own:
   * an event may take a moment to appear, never appear out of order.
   */
  async function readUntil(after: string | undefined, enough: (events: any[]) => boolean, types?: string): Promise<{ events: any[]; cursor: string }> {
    const events: any[] = [];
    let cursor = after;
    for (const deadline = Date.now() + 30_000; ; ) {
      const page = await readAll(cursor, types);
      events.push(...page.events);
      cursor = page.cursor;
      if (enough(events) || Date.now() > deadline) return { events, cursor };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function readAll(after?: string, types?: string): Promise<{ events: any[]; cursor: string }> {
    const events: any[] = [];
    let cursor = after;
    for (;;) {
      const res = await t.http.get(`/v1/orgs/${orgId}/events`).query({ limit: 7, ...(cursor ? { after: cursor } : {}), ...(types ? { types } : {}) }).set(bearer(owner.token));
      expect(res.status).toBe(200);
      events.push(...res.body.events);
      cursor = res.body.next_cursor;
      expect(typeof cursor).toBe('string');
      if (!res.body.has_more) return { events, cursor: cursor! };
    }
  }

  it('shows the event object, oldest first, and an empty page still gives a cursor to poll from', async () => {
    const { events, cursor } = await readUntil(undefined, (e) => e.length >= 2);
    expect(events[0]).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sequence: expect.any(Number),
      type: 'org.created',
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor: { type: 'user', id: owner.user_id },
      org_id: orgId,
      workspace_id: null,
      target: { type: 'organization', id: orgId },
      data: expect.objectContaining({ org_id: orgId, name: 'Feed org' }),
      changes: null,
      request_id: expect.any(String),
      ip: expect.any(String),
      user_agent: null,
    });
    const empty = await t.http.get(`/v1/orgs/${orgId}/events`).query({ after: cursor }).set(bearer(owner.token));
    expect(empty.body).toEqual({ events: [], next_cursor: expect.any(String), has_more: false });
    await t.http.patch(`/v1/orgs/${orgId}`).set(bearer(owner.token)).send({ name: 'Feed org 2' });
    const next = await readUntil(empty.body.next_cursor, (e) => e.length >= 1);
    expect(next.events.map((e: any) => e.type)).toEqual(['org.updated']);
  });

  it('filters by types, and refuses a cursor of another org (422 at after)', async () => {
    const { events } = await readUntil(undefined, (e) => e.length >= 2, 'org.updated,org_member.added');
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['org.updated', 'org_member.added']));
    const other = (await t.http.post('/v1/orgs').set(bearer(owner.token)).send({ name: 'Other' })).body.org_id;
    const page = await t.http.get(`/v1/orgs/${other}/events`).set(bearer(owner.token));
    const res = await t.http.get(`/v1/orgs/${orgId}/events`).query({ after: page.body.next_cursor }).set(bearer(owner.token));
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'after'] });
  });

  it('pages without gaps or duplicates while 20 writers run', async () => {
    const seen: any[] = [];
    let cursor: string | undefined;
    let writing = true;
    const writers = Array.from({ length: 20 }, async (_, i) => {
      for (let n = 0; n < 5; n++) await t.http.patch(`/v1/orgs/${orgId}`).set(bearer(owner.token)).send({ name: `w${i}-${n}` });
    });
    const all = Promise.all(writers).then(() => (writing = false));
    while (writing) {
      const page = await t.http.get(`/v1/orgs/${orgId}/events`).query({ after: cursor, limit: 5 }).set(bearer(owner.token));
      seen.push(...page.body.events);
      cursor = page.body.next_cursor;
    }
    await all;
    const written = await t.db.query(`SELECT event_id FROM events WHERE org_id = $1`, [orgId]);
    expect(written.length).toBeGreaterThan(100);
    seen.push(...(await readUntil(cursor, (e) => seen.length + e.length >= written.length)).events);
    const ids = seen.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(written.map((r: any) => r.event_id)));
  });

  it('never skips an event whose transaction commits after a later one was read', async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE org_id = $1`, [orgId]);
    const { cursor: from } = await readUntil(undefined, (e) => e.length >= n);
    const runner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // An early transaction takes its id and its event's sequence, then stays open.
      await runner.query(`INSERT INTO events (type, actor_type, org_id, target_type, target_id) VALUES ('org.updated', 'system', $1::uuid, 'organization', $1::text)`, [orgId]);
      // Later transactions commit meanwhile, and a reader polls past them.
      for (let i = 0; i < 3; i++) await t.http.patch(`/v1/orgs/${orgId}`).set(bearer(owner.token)).send({ name: `late-${i}` });
      const during = await readAll(from);
      expect(during.events).toEqual([]);
      await runner.commitTransaction();
      const after = await readUntil(during.cursor, (e) => e.length >= 4);
      expect(after.events.map((e) => e.data?.name ?? 'early')).toEqual(['early', 'late-0', 'late-1', 'late-2']);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('a transaction id taken before a younger one still sorts before it, whichever inserted first', async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM events WHERE org_id = $1`, [orgId]);
    const { cursor: from } = await readUntil(undefined, (e) => e.length >= n);
    const early = t.db.createQueryRunner();
    await early.connect();
    await early.startTransaction();
    try {
      await early.query(`SELECT pg_current_xact_id()`);
      await t.http.patch(`/v1/orgs/${orgId}`).set(bearer(owner.token)).send({ name: 'younger' });
      await early.query(`INSERT INTO events (type, actor_type, org_id, target_type, target_id, data) VALUES ('org.updated', 'system', $1::uuid, 'organization', $1::text, '{"name":"older"}')`, [orgId]);
      const during = await readAll(from);
      expect(during.events).toEqual([]);
      await early.commitTransaction();
      const after = await readUntil(during.cursor, (e) => e.length >= 2);
      expect(after.events.map((e) => e.data.name)).toEqual(['older', 'younger']);
    } finally {
      if (early.isTransactionActive) await early.rollbackTransaction();
      await early.release();
    }
  });
});

describe('who may read events and the audit log', () => {
  it('org admin reads; plain member 403 naming the permission; outsider 404; /v1/events and /v1/audit-log for platform admins', async () => {
    const owner = await seedUser(t.db);
    const member = await seedUser(t.db);
    const outsider = await seedUser(t.db);
    const org = await seedOrg(t.db, owner.user_id);
    await addOrgMember(t.db, org, member.user_id);
    for (const path of ['events', 'audit-log']) {
      expect((await t.http.get(`/v1/orgs/${org}/${path}`).set(bearer(owner.token))).status).toBe(200);
      const refused = await t.http.get(`/v1/orgs/${org}/${path}`).set(bearer(member.token));
      expect(refused.status).toBe(403);
      expect(refused.body.details).toEqual({ required_permission: path === 'events' ? 'events:read' : 'audit:read' });
      const hidden = await t.http.get(`/v1/orgs/${org}/${path}`).set(bearer(outsider.token));
      expect(hidden.status).toBe(404);
      expect(hidden.body.details).toEqual({ resource_type: 'organization', resource_id: org });
      expect((await t.http.get(`/v1/${path}`).set(bearer(owner.token))).body.details).toEqual({ required_permission: path === 'events' ? 'events:read' : 'audit:read' });
      expect((await t.http.get(`/v1/${path}`).set(bearer(admin.token))).status).toBe(200);
    }
  });
});

describe('the audit log', () => {
  it('newest first, keyset pages, filters by actor, type, target and time', async () => {
    const owner = await seedUser(t.db);
    const helper = await seedUser(t.db);
    const org = (await t.http.post('/v1/orgs').set(bearer(owner.token)).send({ name: 'Audited' })).body.org_id;
    await t.http.post(`/v1/orgs/${org}/members`).set(bearer(owner.token)).send({ user_id: helper.user_id, role: 'admin' });
    for (let i = 0; i < 5; i++) await t.http.patch(`/v1/orgs/${org}`).set(bearer(helper.token)).send({ name: `Audited ${i}` });
    const pages: any[] = [];
    let cursor: string | undefined;
    do {
      const res = await t.http.get(`/v1/orgs/${org}/audit-log`).query({ limit: 3, ...(cursor ? { cursor } : {}) }).set(bearer(owner.token));
      expect(res.status).toBe(200);
      pages.push(...res.body.events);
      cursor = res.body.has_more ? res.body.next_cursor : undefined;
    } while (cursor);
    expect(pages.map((e) => e.type)).toEqual([...Array(5).fill('org.updated'), 'org_member.added', 'org_member.added', 'org.created']);
    const sequences = pages.map((e) => e.sequence);
    expect([...sequences].sort((a, b) => b - a)).toEqual(sequences);

    const byActor = await t.http.get(`/v1/orgs/${org}/audit-log`).query({ actor_id: helper.user_id }).set(bearer(owner.token));
    expect(byActor.body.events.map((e: any) => e.data.name)).toEqual(['Audited 4', 'Audited 3', 'Audited 2', 'Audited 1', 'Audited 0']);
    const byType = await t.http.get(`/v1/orgs/${org}/audit-log`).query({ type: 'org_member.added' }).set(bearer(owner.token));
    expect(byType.body.events.map((e: any) => e.target.id)).toEqual([helper.user_id, owner.user_id]);
    const byTarget = await t.http.get(`/v1/orgs/${org}/audit-log`).query({ target_id: helper.user_id }).set(bearer(owner.token));
    expect(byTarget.body.events).toHaveLength(1);
    const third = pages[2].occurred_at;
    const window = await t.http.get(`/v1/orgs/${org}/audit-log`).query({ from: pages[4].occurred_at, to: third }).set(bearer(owner.token));
    expect(window.body.events.map((e: any) => e.sequence)).toEqual([pages[3].sequence, pages[4].sequence]);
    const platform = await t.http.get('/v1/audit-log').query({ actor_id: helper.user_id, limit: 2 }).set(bearer(admin.token));
    expect(platform.body.events.map((e: any) => e.data.name)).toEqual(['Audited 4', 'Audited 3']);
    expect(platform.body.has_more).toBe(true);
  });
});

describe('library consumers and retention', () => {
  it("a consumer's own event lands in the same feed, secrets masked", async () => {
    const owner = await seedUser(t.db);
    const org = await seedOrg(t.db, owner.user_id);
    expect((await t.http.post(`/consumer/orgs/${org}/keys`).set(bearer(owner.token))).status).toBe(204);
    const feed = await t.http.get(`/v1/orgs/${org}/audit-log`).set(bearer(owner.token));
    expect(feed.body.events.map((e: any) => [e.type, e.actor, e.data])).toEqual([['api_key.created', { type: 'user', id: owner.user_id }, { name: 'ci', secret: '**********' }]]);
  });

  it('purges events past the retention period, and only those', async () => {
    const owner = await seedUser(t.db);
    const org = await seedOrg(t.db, owner.user_id);
    await t.db.query(
      `INSERT INTO events (type, actor_type, org_id, target_type, target_id, occurred_at)
       SELECT 'org.updated', 'system', $1::uuid, 'organization', $1::text, now() - make_interval(days => d) FROM generate_series(85, 95) d WHERE d <> 90`,
      [org],
    );
    const deleted = await t.app.get(EventRetention).purge();
    expect(deleted).toBeGreaterThanOrEqual(5);
    const [{ oldest }] = await t.db.query(`SELECT extract(day FROM now() - min(occurred_at))::int AS oldest FROM events`);
    expect(oldest).toBeLessThanOrEqual(90);
    const [{ kept }] = await t.db.query(`SELECT count(*)::int AS kept FROM events WHERE org_id = $1`, [org]);
    expect(kept).toBe(5);
  });
});
