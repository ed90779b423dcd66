import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin } from '../support/global-setup.js';
import { bearer, createTestApp, seedUser, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import { insertOrg, insertWorkspace, setWorkspaceRole } from './access-fixtures.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const APPLY_DELAY_MS = 2000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Two instances on a primary and a streaming replica that applies what it receives two seconds
 * late, sharing the write marks through Redis: a caller reads their own writes at once on either
 * instance, another caller may read the replica's older copy, and a replica stopped mid-run costs
 * no request anything.
 */
describe('reads on a streaming replica', () => {
  let cluster: PgCluster;
  let one: TestApp;
  let two: TestApp;
  let replicaDb: pg.Client;
  let author: SeedUser;
  let reader: SeedUser;
  let org: string;
  let workspace: string;

  beforeAll(async () => {
    cluster = await startPgCluster({ applyDelay: `${APPLY_DELAY_MS}ms` });
    await admin(cluster.primary.url(), 'CREATE DATABASE identity');
    const env = {
      DATABASE_URL: cluster.primary.url('identity'),
      DATABASE_REPLICA_URLS: cluster.replica.url('identity'),
      REPLICA_MAX_LAG_MS: '60000',
      REPLICA_POLL_MS: '50',
      REDIS_URL,
    };
    one = await createTestApp(env);
    two = await createTestApp(env);
    author = await seedUser(one.db, { full_name: 'Before' });
    reader = await seedUser(one.db);
    org = await insertOrg(one.db);
    workspace = await insertWorkspace(one.db, org);
    await setWorkspaceRole(one.db, workspace, author.user_id, 'owner');
    await setWorkspaceRole(one.db, workspace, reader.user_id, 'member');
    replicaDb = await waitFor('the replica to have the database', async () => {
      const client = new pg.Client({ connectionString: cluster.replica.url('identity') });
      // The replica is stopped on purpose later on.
      client.on('error', () => undefined);
      return client.connect().then(() => client, () => undefined);
    });
    // The database reaches the replica before its tables do: a missing table is "not yet".
    await waitFor('the replica to have the members', async () =>
      replicaDb.query(`SELECT 1 FROM workspace_members WHERE user_id = $1`, [reader.user_id]).then((r) => r.rowCount, () => 0),
    );
    await waitFor('both instances to see the replica up', async () => {
      const states = await Promise.all([one, two].map(async (t) => (await t.http.get('/health/ready')).body.details?.replica_1?.state));
      return states.every((s) => s === 'up');
    });
  }, 120_000);
  afterAll(async () => {
    await replicaDb?.end();
    await one?.close();
    await two?.close();
    await cluster?.close();
  });

  const nameOf = async (t: TestApp, who: SeedUser, userId: string) => {
    const res = await t.http.get(`/v1/users/${userId}`).query({ workspace_id: workspace }).set(bearer(who.token));
    expect(res.status).toBe(200);
    return res.body.full_name as string;
  };

  it('shows a write to its author at once on either instance; another caller reads the replica until it catches up', async () => {
    const readsBefore = await replicaReads(two);
    const put = await one.http.put(`/v1/users/${author.user_id}`).set(bearer(author.token)).send({ full_name: 'After' });
    expect(put.status).toBe(200);
    // The author, on the other instance, at once: the caller lookup, a get and the list.
    const me = await two.http.get('/v1/users/me').set(bearer(author.token));
    expect(me.body.full_name).toBe('After');
    expect(await nameOf(two, author, author.user_id)).toBe('After');
    const list = await two.http.get('/v1/users').query({ workspace_id: workspace }).set(bearer(author.token));
    expect(list.body.users.find((u: { user_id: string }) => u.user_id === author.user_id).full_name).toBe('After');
    // Someone else is served by the replica, which has not applied the write yet.
    expect(await nameOf(two, reader, author.user_id)).toBe('Before');
    expect((await replicaDb.query(`SELECT full_name FROM users WHERE user_id = $1`, [author.user_id])).rows[0].full_name).toBe('Before');
    expect(await replicaReads(two)).toBeGreaterThan(readsBefore);
    await waitFor('the replica to apply the write', async () => (await nameOf(two, reader, author.user_id)) === 'After', 10_000);
  });

  it('accepts a session opened a moment ago on the other instance, before the replica has it', async () => {
    const login = await one.http.post('/v1/auth/login').send({ login: reader.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const me = await two.http.get('/v1/users/me').set(bearer(login.body.access_token));
    expect(me.status).toBe(200);
    expect(me.body.user_id).toBe(reader.user_id);
  });

  it('decides a write on the primary: a workspace admin removed a moment ago cannot still rename it, while the replica says admin', async () => {
    const editor = await seedUser(one.db);
    await setWorkspaceRole(one.db, workspace, editor.user_id, 'admin');
    const roleOnReplica = async () => (await replicaDb.query(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspace, editor.user_id])).rows[0]?.role;
    await waitFor('the replica to have the editor', async () => (await roleOnReplica().catch(() => undefined)) === 'admin', 10_000);
    const removed = await one.http.delete(`/v1/orgs/${org}/workspaces/${workspace}/members/${editor.user_id}`).set(bearer(author.token));
    expect(removed.status).toBe(204);
    const rename = await two.http.patch(`/v1/orgs/${org}/workspaces/${workspace}`).set(bearer(editor.token)).send({ name: 'Taken over' });
    expect(rename.status).toBe(403);
    expect(rename.body.details).toEqual({ required_permission: 'workspaces:update' });
    // The replica had not applied the removal: a decision read there would have let the rename through.
    expect(await roleOnReplica()).toBe('admin');
    expect((await one.db.query(`SELECT name FROM workspaces WHERE workspace_id = $1`, [workspace]))[0].name).not.toBe('Taken over');
  });

  it('leaves no mark after an evaluation, a POST that only reads: the next read of whoever asked still goes to the replica', async () => {
    const asker = await seedUser(one.db);
    await setWorkspaceRole(one.db, workspace, asker.user_id, 'viewer');
    await waitFor('the replica to have the asker', async () => (await replicaDb.query(`SELECT 1 FROM users WHERE user_id = $1`, [asker.user_id]).then((r) => r.rowCount, () => 0)) === 1, 10_000);
    // A write of someone else's puts the primary ahead of the replica: a mark taken now would be out of its reach.
    expect((await one.http.put(`/v1/users/${author.user_id}`).set(bearer(author.token)).send({ full_name: 'Asked about' })).status).toBe(200);
    const question = { subject: { type: 'user', id: asker.user_id }, action: { name: 'workspaces:read' }, resource: { type: 'workspace', id: workspace } };
    const evaluation = await one.http.post('/access/v1/evaluation').set(bearer(asker.token)).send(question);
    expect(evaluation.status).toBe(200);
    expect(evaluation.body).toEqual({ decision: true });
    const before = await replicaReads(two);
    expect((await two.http.get('/v1/users/me').set(bearer(asker.token))).status).toBe(200);
    expect(await replicaReads(two)).toBeGreaterThan(before);
  });

  it('loses no request when the replica stops mid-run, then reports it down', async () => {
    const statuses: number[] = [];
    let stopped = false;
    const readers = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 40; i++) {
        const t = i % 2 ? one : two;
        const res = await t.http.get('/v1/users').query({ workspace_id: workspace }).set(bearer(reader.token));
        statuses.push(res.status);
        if (statuses.length === 30 && !stopped) {
          stopped = true;
          void cluster.replica.stop();
        }
      }
    });
    await Promise.all(readers);
    expect(stopped).toBe(true);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const ready = await waitFor('the replica to be reported down', async () => {
      const res = await one.http.get('/health/ready');
      return res.body.details.replica_1.state === 'down' && res;
    });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.details.replica_1).toEqual({ status: 'degraded', state: 'down', lag_ms: null });
    expect(ready.body.details.database.status).toBe('up');
  });
});

async function replicaReads(t: TestApp): Promise<number> {
  const text = (await t.http.get('/metrics')).text;
  const match = /^db_reads_total\{target="replica_1"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}
