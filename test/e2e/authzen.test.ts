import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequirePermission } from '../../dist/access/permission.decorator.js';
import { ALL_PERMISSIONS } from '../../dist/access/permissions.js';
import { ApiErrors } from '../../dist/common/openapi.js';
import { bearer, createTestApp, expectErrorShape, recordQueries, seedUser, type SeedUser, type TestApp } from '../support/app.js';
import { buildWorld, PRINCIPALS, type World } from './access-fixtures.js';

// One route per permission and resource type, declaring only that permission: the guard's real
// decision for a subject is whether its request there passes.
class DecisionProbe {}
const routeName = (kind: string, permission: string) => `${kind}_${permission.replace(':', '_')}`;
for (const permission of ALL_PERMISSIONS) {
  for (const [kind, path] of [['org', 'orgs/:org_id'], ['ws', 'workspaces/:workspace_id']] as const) {
    const name = routeName(kind, permission);
    const proto = DecisionProbe.prototype as unknown as Record<string, () => object>;
    proto[name] = () => ({});
    Reflect.decorate(
      [Get(`${path}/${permission.replace(':', '/')}`), RequirePermission(permission), ApiOkResponse({ schema: { type: 'object' } }), ApiErrors(404)],
      proto,
      name,
      Object.getOwnPropertyDescriptor(proto, name),
    );
  }
}
Controller('decision-probe')(DecisionProbe);
class DecisionProbeModule {}
Module({ controllers: [DecisionProbe] })(DecisionProbeModule);

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('AuthZEN evaluation API', () => {
  let t: TestApp;
  let w: World;
  let disabled: SeedUser;

  beforeAll(async () => {
    t = await createTestApp({}, { modules: [DecisionProbeModule] });
    w = await buildWorld(t.db);
    disabled = await seedUser(t.db);
    await t.db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [w.orgId, disabled.user_id]);
    await t.db.query(`UPDATE users SET is_active = false WHERE user_id = $1`, [disabled.user_id]);
  });
  afterAll(() => t.close());

  const evaluation = (as: string, body: object) => t.http.post('/access/v1/evaluation').set(bearer(as)).send(body);
  const evaluations = (as: string, body: object) => t.http.post('/access/v1/evaluations').set(bearer(as)).send(body);
  const subject = (u: SeedUser) => ({ type: 'user', id: u.user_id });

  it('answers a single evaluation about oneself without authz:check', async () => {
    const me = w.users.viewer;
    const yes = await evaluation(me.token, { subject: subject(me), action: { name: 'workspaces:read' }, resource: { type: 'workspace', id: w.workspaceId } });
    expect(yes.status).toBe(200);
    expect(yes.body).toEqual({ decision: true });
    const no = await evaluation(me.token, { subject: subject(me), action: { name: 'members:add' }, resource: { type: 'workspace', id: w.workspaceId } });
    expect(no.body).toEqual({ decision: false });
  });

  it('needs authz:check to ask about someone else: 403 naming it', async () => {
    const res = await evaluation(w.users.orgOwner.token, { subject: subject(w.users.viewer), action: { name: 'orgs:read' }, resource: { type: 'organization', id: w.orgId } });
    expect(res.status).toBe(403);
    expectErrorShape(res.body, 403, 'FORBIDDEN');
    expect(res.body.details).toEqual({ required_permission: 'authz:check' });
    const batch = await evaluations(w.users.viewer.token, { action: { name: 'orgs:read' }, resource: { type: 'organization', id: w.orgId }, evaluations: [{ subject: subject(w.users.viewer) }, { subject: subject(w.users.owner) }] });
    expect(batch.status).toBe(403);
  });

  it('answers a batch in request order, items overriding the defaults, in one query for all of them', async () => {
    const items = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? { subject: subject(w.users.orgMember) } : { action: { name: 'workspaces:delete' } }));
    const body = { subject: subject(w.users.owner), action: { name: 'workspaces:read' }, resource: { type: 'workspace', id: w.workspaceId }, evaluations: items };
    const { result, sql } = await recordQueries(() => evaluations(w.users.platform.token, body));
    expect(result.status).toBe(200);
    // The org member is not in the workspace; the owner may delete it.
    expect(result.body).toEqual({ evaluations: items.map((_, i) => ({ decision: i % 2 === 1 })) });
    expect(sql).toHaveLength(2);
    const mixed = await evaluations(w.users.platform.token, {
      action: { name: 'members:add' },
      evaluations: [
        { subject: subject(w.users.viewer), resource: { type: 'workspace', id: w.workspaceId } },
        { subject: subject(w.users.orgAdmin), resource: { type: 'workspace', id: w.workspaceId } },
        { subject: subject(w.users.orgAdmin), resource: { type: 'workspace', id: w.otherWorkspaceId } },
        { subject: subject(w.users.outsider), resource: { type: 'organization', id: w.otherOrgId }, action: { name: 'org_members:add' } },
      ],
    });
    expect(mixed.body.evaluations).toEqual([{ decision: false }, { decision: true }, { decision: false }, { decision: true }]);
  });

  it('refuses 51 evaluations, an item missing a part, an unknown permission or resource type (422)', async () => {
    const base = { subject: subject(w.users.owner), action: { name: 'orgs:read' }, resource: { type: 'organization', id: w.orgId } };
    const many = await evaluations(w.users.owner.token, { ...base, evaluations: Array.from({ length: 51 }, () => ({})) });
    expect(many.status).toBe(422);
    expect(many.body.detail[0]).toMatchObject({ type: 'too_long', loc: ['body', 'evaluations'], ctx: { max_length: 50, actual_length: 51 } });
    const partial = await evaluations(w.users.owner.token, { evaluations: [{ subject: base.subject, action: base.action }] });
    expect(partial.status).toBe(422);
    expect(partial.body.detail).toEqual([{ type: 'missing', loc: ['body', 'evaluations', 0, 'resource'], msg: 'Field required', input: { subject: base.subject, action: base.action } }]);
    const unknown = await evaluation(w.users.owner.token, { ...base, action: { name: 'orgs:fly' }, resource: { type: 'planet', id: w.orgId } });
    expect(unknown.body.detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc])).toEqual([
      ['enum', ['body', 'action', 'name']],
      ['enum', ['body', 'resource', 'type']],
    ]);
    const missing = await evaluation(w.users.owner.token, {});
    expect(missing.body.detail.map((d: { loc: unknown[] }) => d.loc)).toEqual([['body', 'subject'], ['body', 'action'], ['body', 'resource']]);
  });

  it('lets an organization key with authz:check ask about anyone, answering only inside its org', async () => {
    const key = (await t.http.post(`/v1/orgs/${w.orgId}/api-keys`).set(bearer(w.users.orgOwner.token)).send({ name: 'pep', scopes: ['authz:check'] })).body.key;
    const res = await evaluations(key, {
      action: { name: 'workspaces:read' },
      evaluations: [
        { subject: subject(w.users.viewer), resource: { type: 'workspace', id: w.workspaceId } },
        { subject: subject(w.users.outsider), resource: { type: 'workspace', id: w.otherWorkspaceId } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.evaluations).toEqual([{ decision: true }, { decision: false }]);
    const without = (await t.http.post(`/v1/orgs/${w.orgId}/api-keys`).set(bearer(w.users.orgOwner.token)).send({ name: 'no', scopes: ['orgs:read'] })).body.key;
    const denied = await evaluation(without, { subject: subject(w.users.viewer), action: { name: 'orgs:read' }, resource: { type: 'organization', id: w.orgId } });
    expect(denied.status).toBe(403);
    expect(denied.body.details).toEqual({ required_permission: 'authz:check' });
  });

  it('publishes its metadata at /.well-known/authzen-configuration, without authentication', async () => {
    const res = await t.http.get('/.well-known/authzen-configuration');
    expect(res.status).toBe(200);
    const base = `http://${res.request.host ?? new URL(res.request.url).host}`;
    expect(res.body).toEqual({
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
    });
  });

  it('decides exactly as the guard does: 1,000 random evaluations against real requests', async () => {
    let seed = 20251130;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const subjects = [...PRINCIPALS.map((p) => w.users[p]), w.target, disabled];
    const resources = [
      ['organization', w.orgId], ['organization', w.otherOrgId], ['organization', MISSING],
      ['workspace', w.workspaceId], ['workspace', w.otherWorkspaceId], ['workspace', MISSING],
    ] as const;
    const asked = Array.from({ length: 1000 }, () => ({
      who: subjects[random(subjects.length)],
      permission: ALL_PERMISSIONS[random(ALL_PERMISSIONS.length)],
      resource: resources[random(resources.length)],
    }));
    const decisions: boolean[] = [];
    for (let i = 0; i < asked.length; i += 50) {
      const evaluationsOf = asked.slice(i, i + 50).map((q) => ({ subject: subject(q.who), action: { name: q.permission }, resource: { type: q.resource[0], id: q.resource[1] } }));
      const res = await evaluations(w.users.platform.token, { evaluations: evaluationsOf });
      expect(res.status).toBe(200);
      decisions.push(...res.body.evaluations.map((e: { decision: boolean }) => e.decision));
    }
    const mismatches: string[] = [];
    let allowed = 0;
    const probe = (q: (typeof asked)[number]) =>
      t.http.get(`/decision-probe/${q.resource[0] === 'organization' ? 'orgs' : 'workspaces'}/${q.resource[1]}/${q.permission.replace(':', '/')}`).set(bearer(q.who.token));
    const statuses: number[] = [];
    for (let i = 0; i < asked.length; i += 20) statuses.push(...(await Promise.all(asked.slice(i, i + 20).map(probe))).map((r) => r.status));
    for (const [i, q] of asked.entries()) {
      const [kind, id] = q.resource;
      const res = { status: statuses[i] };
      const guard = res.status === 200;
      if (guard) allowed++;
      if (![200, 401, 403, 404].includes(res.status)) mismatches.push(`${i}: unexpected ${res.status}`);
      if (guard !== decisions[i]) mismatches.push(`${i}: ${q.permission} on ${kind} ${id} for ${q.who.user_id}: guard ${res.status}, evaluation ${decisions[i]}`);
    }
    expect(mismatches).toEqual([]);
    // Both answers occur often enough for the comparison to mean something.
    expect(allowed).toBeGreaterThan(100);
    expect(allowed).toBeLessThan(900);
  }, 180_000);
});
