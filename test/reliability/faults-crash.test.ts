import { describe, expect, it } from 'vitest';
import { crashSuite } from './crash-suite.js';
import { brokenInvariants } from './invariants.js';
import { call, json, startLoad, type Outcome } from './load.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Acked {
  orgs: Set<string>;
  workspaces: Set<string>;
  users: Set<string>;
  /** `workspace_id/user_id` */
  memberships: Set<string>;
}

/**
 * `node dist/main.js` killed with SIGKILL in the middle of concurrent writes (creates, owner
 * hand-overs, duplicate emails), then started again on the same database: every invariant holds
 * and everything that was acknowledged with a 2xx before the kill is there.
 */
describe('faults: SIGKILL in the middle of concurrent writes', () => {
  const suite = crashSuite({ DB_POOL_SIZE: '12' });

  it('keeps every invariant and every acknowledged write across a SIGKILL and a restart', async () => {
    const { db, admin, start } = suite;
    const { p, url } = await start();
    const acked: Acked = { orgs: new Set(), workspaces: new Set(), users: new Set(), memberships: new Set() };
    const removals = new Set<string>();
    const token = admin.token;

    // Each worker runs a small script over and over: an org, a workspace in it, a user, that user
    // made owner, the creator demoted (allowed only while another owner remains), a duplicate email.
    const state: { org?: string; ws?: string; user?: string }[] = [];
    const step = async (worker: number, i: number): Promise<Outcome> => {
      const s = (state[worker] ??= {});
      const tag = `${worker}-${i}-${Math.random().toString(36).slice(2, 8)}`;
      switch (i % 6) {
        case 0: {
          const o = await call('create org', `${url}/v1/orgs`, json(token, { name: `Crash ${tag}` }));
          if (o.status === 201) acked.orgs.add((s.org = o.body.org_id));
          return o;
        }
        case 1: {
          if (!s.org) return call('skip', `${url}/health/live`);
          const o = await call('create workspace', `${url}/v1/orgs/${s.org}/workspaces`, json(token, { name: `Ws ${tag}` }));
          if (o.status === 201) acked.workspaces.add((s.ws = o.body.workspace_id));
          return o;
        }
        case 2: {
          const o = await call('create user', `${url}/v1/users`, json(token, { email: `crash-${tag}@example.com`, username: `crash_${tag.replace(/-/g, '_')}`, password: 'crash-password-1' }));
          if (o.status === 201) acked.users.add((s.user = o.body.user_id));
          return o;
        }
        case 3: {
          if (!s.org || !s.ws || !s.user) return call('skip', `${url}/health/live`);
          const o = await call('add owner', `${url}/v1/orgs/${s.org}/workspaces/${s.ws}/members`, json(token, { user_id: s.user, role: 'owner' }));
          if (o.status === 201) acked.memberships.add(`${s.ws}/${s.user}`);
          return o;
        }
        case 4: {
          if (!s.org || !s.ws || !s.user || worker % 2 === 0) return call('skip', `${url}/health/live`);
          // Two removals race for the last owners: the user, and the creator (the admin) demoted.
          removals.add(`${s.ws}/${s.user}`);
          const [a, b] = await Promise.all([
            call('remove owner', `${url}/v1/orgs/${s.org}/workspaces/${s.ws}/members/${s.user}`, json(token, undefined, 'DELETE')),
            call('demote creator', `${url}/v1/orgs/${s.org}/workspaces/${s.ws}/members/${admin.user_id}`, json(token, { role: 'member' }, 'PATCH')),
          ]);
          return (b.status ?? 0) >= 500 || b.error ? b : a;
        }
        default:
          return call('duplicate email', `${url}/v1/users`, json(token, { email: `Dup-${i % 4}@Example.com`, username: `dup_${tag.replace(/-/g, '_')}`, password: 'crash-password-1' }));
      }
    };

    const load = startLoad(12, step);
    await sleep(3_000);
    const inFlight = load.inFlight();
    p.kill('SIGKILL');
    const outcomes = await load.stop();
    expect(await p.exited).toBeNull(); // killed by the signal, not exited
    expect(inFlight).toBeGreaterThan(0);
    const tally: Record<string, number> = {};
    for (const o of outcomes) tally[`${o.op} ${o.status ?? 'no answer'}`] = (tally[`${o.op} ${o.status ?? 'no answer'}`] ?? 0) + 1;
    console.log('before the kill:', JSON.stringify(tally));
    const acknowledged = outcomes.filter((o) => o.status && o.status < 300 && o.op !== 'skip').length;
    expect(acknowledged).toBeGreaterThan(10);
    expect(outcomes.filter((o) => o.status && o.status >= 500).map((o) => `${o.op} ${o.status}`)).toEqual([]);

    const restarted = await start();
    expect((await call('ready', `${restarted.url}/health/ready`)).status).toBe(200);
    expect((await call('me', `${restarted.url}/v1/users/me`, json(token, undefined, 'GET'))).status).toBe(200);

    expect(await brokenInvariants(db)).toEqual({});
    const present = async (table: string, column: string, ids: Set<string>) =>
      (await db.query(`SELECT ${column} AS id FROM ${table} WHERE ${column} = ANY($1::uuid[])`, [[...ids]])).length;
    expect(await present('organizations', 'org_id', acked.orgs)).toBe(acked.orgs.size);
    expect(await present('workspaces', 'workspace_id', acked.workspaces)).toBe(acked.workspaces.size);
    expect(await present('users', 'user_id', acked.users)).toBe(acked.users.size);
    const kept = [...acked.memberships].filter((m) => !removals.has(m));
    for (const m of kept) {
      const [ws, user] = m.split('/');
      expect((await db.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [ws, user])).length, m).toBe(1);
    }
    const [{ dups }] = await db.query(`SELECT count(*)::int AS dups FROM users WHERE lower(email) LIKE 'dup-%@example.com'`);
    expect(dups).toBeLessThanOrEqual(4);
    console.log(`SIGKILL: ${outcomes.length} requests, ${acknowledged} acknowledged, ${inFlight} in flight at the kill; acknowledged and present: ${acked.orgs.size} orgs, ${acked.workspaces.size} workspaces, ${acked.users.size} users, ${kept.length} memberships`);
    restarted.p.kill('SIGTERM');
    expect(await restarted.p.exited).toBe(0);
  }, 180_000);
});
