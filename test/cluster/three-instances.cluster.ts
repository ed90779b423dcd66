import http from 'node:http';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { buildWorld, setWorkspaceRole, type World } from '../e2e/access-fixtures.js';
import { brokenInvariants } from '../reliability/invariants.js';
import { call, json, type Outcome } from '../reliability/load.js';
import { ServiceProcess } from '../reliability/service-process.js';
import { bearer, seedUser, TEST_WEBHOOK_KEY } from '../support/app.js';
import { admin } from '../support/global-setup.js';
import { startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LOGIN_LIMIT = 6;

/**
 * Three `node dist/main.js` as a scaled-out deployment runs them: on PgBouncer in transaction mode
 * in front of a primary (migrations on a direct connection), reading from a streaming replica that
 * applies what it receives a second late, sharing Redis. Requests for the same thing are sent to
 * several instances at once: the row locks and unique constraints hold across processes (one
 * owner always remains, one duplicate wins), the login rate limit is one count for all, and a
 * caller reads their own write at once on any instance.
 */
describe('three instances behind PgBouncer, with a replica and one Redis', () => {
  let cluster: PgCluster;
  let bouncer: RunningPgBouncer;
  let db: DataSource;
  let w: World;
  const instances: { p: ServiceProcess; url: string }[] = [];

  beforeAll(async () => {
    cluster = await startPgCluster({ applyDelay: '1s' });
    await admin(cluster.primary.url(), 'CREATE DATABASE identity');
    bouncer = await startPgBouncer(cluster.primary.url(), { serverConnections: 6 });
    const env = {
      DATABASE_URL: bouncer.pooled(cluster.primary.url('identity')),
      DATABASE_MIGRATION_URL: cluster.primary.url('identity'),
      DATABASE_REPLICA_URLS: cluster.replica.url('identity'),
      REPLICA_MAX_LAG_MS: '30000',
      REDIS_URL,
      RATE_LIMIT_LOGIN_PER_MINUTE: String(LOGIN_LIMIT),
      LOG_LEVEL: 'warn',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
      JOBS_POLL_MS: '100',
    };
    // The first migrates; the others start together on the migrated schema.
    for (let i = 0; i < 3; i++) {
      const p = new ServiceProcess(env);
      instances.push({ p, url: i === 0 ? await p.listening() : '' });
    }
    for (const instance of instances.slice(1)) instance.url = await instance.p.listening();
    db = await new DataSource(dataSourceOptions({ url: cluster.primary.url('identity'), poolSize: 4 })).initialize();
    w = await buildWorld(db);
    await synced();
  }, 180_000);
  afterAll(async () => {
    for (const { p } of instances) {
      p.kill('SIGTERM');
      await p.exited;
    }
    await db?.destroy();
    await bouncer?.stop();
    await cluster?.close();
  });

  const [A, B, C] = [0, 1, 2];

  /**
   * Rows this test writes straight into the primary are nobody's write as far as the service
   * knows: other callers may read the replica's older copy for a second. Wait for the replica.
   */
  async function synced(): Promise<void> {
    const [{ lsn }] = await db.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
    const replica = new pg.Client({ connectionString: cluster.replica.url('identity') });
    await replica.connect();
    try {
      while (!(await replica.query(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done`, [lsn])).rows[0].done) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await replica.end();
    }
  }
  const url = (i: number) => instances[i].url;

  it('races last-owner demotions and removals across the instances: every workspace and org keeps an owner', async () => {
    const token = w.users.platform.token;
    const rounds = 15;
    const outcomes: Outcome[] = [];
    for (let round = 0; round < rounds; round++) {
      // A workspace with exactly two owners; each instance takes one of them away.
      const ws = (await call('ws', `${url(A)}/v1/orgs/${w.orgId}/workspaces`, json(token, { name: `Race ${round}-${Date.now()}` }))).body.workspace_id;
      const [u1, u2] = [await seedUser(db), await seedUser(db)];
      await setWorkspaceRole(db, ws, u1.user_id, 'owner');
      await setWorkspaceRole(db, ws, u2.user_id, 'owner');
      await db.query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [ws, w.users.platform.user_id]);
      await synced();
      const members = `${w.orgId}/workspaces/${ws}/members`;
      const moves = round % 2 === 0
        ? [call('demote', `${url(A)}/v1/orgs/${members}/${u1.user_id}`, json(token, { role: 'admin' }, 'PATCH')), call('demote', `${url(B)}/v1/orgs/${members}/${u2.user_id}`, json(token, { role: 'member' }, 'PATCH'))]
        : [call('remove', `${url(A)}/v1/orgs/${members}/${u1.user_id}`, json(token, undefined, 'DELETE')), call('leave', `${url(B)}/v1/orgs/${members}/${u2.user_id}`, json(u2.token, undefined, 'DELETE'))];
      const pair = await Promise.all(moves);
      outcomes.push(...pair);
      const succeeded = pair.filter((o) => o.status === 200 || o.status === 204).length;
      const refused = pair.filter((o) => o.status === 409 && o.body.details.reason === 'last_owner').length;
      expect([succeeded, refused], JSON.stringify(pair.map((o) => [o.status, o.body]))).toEqual([1, 1]);
      const [{ owners }] = await db.query(`SELECT count(*)::int AS owners FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [ws]);
      expect(owners).toBe(1);
    }
    // The same race on an organization's owners.
    for (let round = 0; round < 5; round++) {
      const org = (await call('org', `${url(A)}/v1/orgs`, json(w.users.orgOwner.token, { name: `Race org ${round}-${Date.now()}` }))).body.org_id;
      const other = await seedUser(db);
      await db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [org, other.user_id]);
      await synced();
      const pair = await Promise.all([
        call('leave org', `${url(A)}/v1/orgs/${org}/members/${w.users.orgOwner.user_id}`, json(w.users.orgOwner.token, undefined, 'DELETE')),
        call('leave org', `${url(C)}/v1/orgs/${org}/members/${other.user_id}`, json(other.token, undefined, 'DELETE')),
      ]);
      expect(pair.map((o) => o.status).sort(), JSON.stringify(pair.map((o) => o.body))).toEqual([204, 409]);
    }
    expect(await brokenInvariants(db)).toEqual({});
    console.log(`cluster: ${outcomes.length + 10} last-owner moves raced across two instances`);
  });

  it('races duplicate creates across the instances: exactly one wins, the other is a 409', async () => {
    const token = w.users.platform.token;
    for (let round = 0; round < 10; round++) {
      const tag = `${round}-${Date.now()}`;
      const user = { email: `Twin-${tag}@Example.com`, username: `twin_${tag.replace(/-/g, '_')}`, password: 'twin-password-1' };
      const users = await Promise.all([
        call('user', `${url(A)}/v1/users`, json(token, user)),
        call('user', `${url(B)}/v1/users`, json(token, { ...user, email: user.email.toLowerCase(), username: `${user.username}_b` })),
      ]);
      expect(users.map((o) => o.status).sort(), JSON.stringify(users.map((o) => o.body))).toEqual([201, 409]);
      const slug = `twin-${tag}`;
      const orgs = await Promise.all([A, B].map((i) => call('org', `${url(i)}/v1/orgs`, json(token, { name: `Twin ${i}`, slug }))));
      expect(orgs.map((o) => o.status).sort()).toEqual([201, 409]);
      const newcomer = await seedUser(db);
      await synced();
      const adds = await Promise.all([A, B].map((i) => call('add', `${url(i)}/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`, json(token, { user_id: newcomer.user_id }))));
      expect(adds.map((o) => o.status).sort()).toEqual([201, 409]);
    }
    expect(await brokenInvariants(db)).toEqual({});
  });

  it('delivers each event once to a webhook, whichever instance wrote it, with all of them fanning out and delivering', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const token = w.users.orgOwner.token;
      const created = await call('webhook', `${url(A)}/v1/orgs/${w.orgId}/webhooks`, json(token, { url: `${receiver.url}/cluster`, event_types: ['org.updated'] }));
      expect(created.status).toBe(201);
      const renames = Array.from({ length: 40 }, (_, i) => call('rename', `${url(i % 3)}/v1/orgs/${w.orgId}`, json(token, { name: `Cluster ${i}` }, 'PATCH')));
      expect((await Promise.all(renames)).every((o) => o.status === 200)).toBe(true);
      await receiver.waitFor('/cluster', 40, 60_000);
      await new Promise((r) => setTimeout(r, 1_000));
      const ids = receiver.at('/cluster').map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
    } finally {
      await receiver.close();
    }
  });

  it('shows a caller their own write at once on every other instance while the replica is behind', async () => {
    const user = await seedUser(db);
    await synced();
    // Before any write of theirs, the caller's reads go to the replica (writes read the primary).
    expect((await fetch(`${url(B)}/v1/users/me`, { headers: bearer(user.token) })).status).toBe(200);
    for (let round = 0; round < 9; round++) {
      const name = `Name ${round}`;
      const put = await call('rename', `${url(round % 3)}/v1/users/${user.user_id}`, json(user.token, { full_name: name }, 'PUT'));
      expect(put.status).toBe(200);
      const seen = await Promise.all([1, 2].map((k) => fetch(`${url((round + k) % 3)}/v1/users/me`, { headers: bearer(user.token) }).then((r) => r.json())));
      expect(seen.map((b) => b.full_name)).toEqual([name, name]);
    }
    const ready = await (await fetch(`${url(A)}/health/ready`)).json();
    expect(ready.details.replica_1.state).toBe('up');
    const metrics = await (await fetch(`${url(B)}/metrics`)).text();
    expect(metrics).toMatch(/^db_reads_total\{target="replica_1"\} [1-9]/m);
  });

  it('counts login attempts once for all instances (the limit lives in Redis)', async () => {
    // A loopback address of this run only, so that no other client shares the per-address count.
    const address = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    const login = `nobody-${Date.now()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) statuses.push(await postFrom(address, url([A, B, C][i % 3]), '/v1/auth/login', { login, password: 'wrong-password' }));
    // Each instance saw only a third of the attempts: alone, none would have refused any.
    expect(statuses.slice(0, LOGIN_LIMIT)).toEqual(Array(LOGIN_LIMIT).fill(401));
    expect(statuses.slice(LOGIN_LIMIT)).toEqual([429, 429]);
  });
});

/** A JSON POST sent from a chosen local address; the status only. */
function postFrom(localAddress: string, base: string, path: string, body: object): Promise<number> {
  const target = new URL(path, base);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
