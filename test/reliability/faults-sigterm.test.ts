import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { createTestDatabase, dropTestDatabase } from '../support/app.js';
import { agentCall, call, json, type Outcome } from './load.js';
import { ServiceProcess } from './service-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM while many writes are in flight: they are held on a row lock taken from outside, so
 * they are certainly inside the service when the signal comes. The service stops accepting, lets
 * every one of them finish with its 2xx once the lock goes, and exits 0.
 */
describe('faults: SIGTERM under load', () => {
  let databaseUrl: string;
  let db: DataSource;
  let w: World;
  let service: ServiceProcess | undefined;
  let keepAlive: ServiceProcess | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = await new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 2 })).initialize();
    w = await buildWorld(db);
  });
  afterAll(async () => {
    service?.kill('SIGKILL');
    keepAlive?.kill('SIGKILL');
    await db?.destroy();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('finishes every request in flight, refuses new connections, and exits 0', async () => {
    service = new ServiceProcess({ DATABASE_URL: databaseUrl, DB_POOL_SIZE: '30', SHUTDOWN_TIMEOUT_MS: '30000' });
    const url = await service.listening();
    const token = w.users.platform.token;

    const locker = new pg.Client({ connectionString: databaseUrl });
    locker.on('error', () => undefined); // the database is dropped under it if the test fails
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM organizations WHERE org_id = $1 FOR UPDATE`, [w.orgId]);

    const N = 24;
    const inFlight = Array.from({ length: N }, (_, i) => call('rename', `${url}/v1/orgs/${w.orgId}`, { ...json(token, { name: `Drained ${i}` }, 'PATCH'), timeoutMs: 60_000 }));
    // Wait until the service holds them all, waiting on the lock (asked from outside the locking
    // transaction: inside it, pg_stat_activity is a snapshot).
    const deadline = Date.now() + 20_000;
    let waiting = 0;
    while (Date.now() < deadline) {
      [{ waiting }] = await db.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      if (waiting >= N) break;
      await sleep(50);
    }
    expect(waiting).toBe(N);

    service.kill('SIGTERM');
    await sleep(700);
    expect(service.child.exitCode).toBeNull(); // still draining
    const late = await call('late', `${url}/health/live`, { timeoutMs: 2_000 });
    expect(late.status).toBeUndefined(); // the listener is closed: new connections are refused

    await locker.query('COMMIT');
    await locker.end();
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status ?? r.error)).toEqual(Array(N).fill(200));
    expect(await service.exited).toBe(0);
    expect(service.output).toContain('SIGTERM received, draining');
    const [{ name }] = await db.query(`SELECT name FROM organizations WHERE org_id = $1`, [w.orgId]);
    expect(name).toMatch(/^Drained \d+$/);
  }, 120_000);

  /**
   * Clients that keep their connections open and send request after request: the drain must not
   * cut a connection a request may be travelling on. Responses during the drain say
   * `Connection: close`, so each client learns to go elsewhere (here: nowhere, the listener is
   * closed, so its next connection is refused), and no request ever meets a reset.
   */
  it('answers keep-alive clients with Connection: close during the drain: no reset, exit 0 in time, no lost-connection warnings', async () => {
    const timeoutMs = 10_000;
    keepAlive = new ServiceProcess({ DATABASE_URL: databaseUrl, SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    const url = await keepAlive.listening();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    const headers = { authorization: `Bearer ${w.users.platform.token}` };
    const outcomes: Outcome<{ closed: boolean }>[] = [];
    let signalled = 0;
    const loops = Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 100_000; i++) {
        const o = await agentCall(agent, 'GET me', `${url}/v1/users/me`, { headers });
        outcomes.push(o);
        if (o.error) return; // refused once the listener is closed: this client is done
      }
    });
    await sleep(1_500);
    signalled = Date.now();
    keepAlive.kill('SIGTERM');
    const code = await keepAlive.exited;
    const took = Date.now() - signalled;
    await Promise.all(loops);
    agent.destroy();
    const afterSignal = outcomes.filter((o) => o.ended >= signalled);
    console.log(`SIGTERM with 20 keep-alive clients: exit ${code} after ${took} ms; ${outcomes.length} requests, ${afterSignal.filter((o) => o.info?.closed).length} answered Connection: close, errors ${JSON.stringify(countBy(outcomes.map((o) => o.error).filter(Boolean) as string[]))}`);

    expect(outcomes.filter((o) => o.error && o.error !== 'ECONNREFUSED').map((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => !o.error && o.status !== 200).map((o) => o.status)).toEqual([]);
    expect(afterSignal.some((o) => o.info?.closed)).toBe(true);
    expect(code).toBe(0);
    expect(took).toBeLessThan(timeoutMs);
    expect(keepAlive.output).toContain('SIGTERM received, draining');
    expect(keepAlive.output).not.toContain('database connection lost');
  }, 120_000);
});

/**
 * Ctrl-C on a service running its embedded PostgreSQL: the terminal sends SIGINT to the whole
 * process group. The database must not go down under the drain: requests in flight still succeed,
 * the service stops its database itself afterwards, and nothing is logged about lost connections.
 */
describe('faults: Ctrl-C with the embedded database', () => {
  let dataDir: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-ctrl-c-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    service?.kill('SIGKILL');
    await service?.exited;
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('drains on its own database and exits 0, with no lost-connection or outage lines', async () => {
    const admin = { email: 'ctrl-c@example.com', password: 'ctrl-c-password-1' };
    service = new ServiceProcess({ DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, SHUTDOWN_TIMEOUT_MS: '10000' }, { group: true });
    const url = await service.listening(120_000);
    const login = await call('login', `${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: admin.email, password: admin.password }) });
    const headers = { authorization: `Bearer ${login.body.access_token}` };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    const outcomes: Outcome[] = [];
    const loops = Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 100_000; i++) {
        const o = await agentCall(agent, 'GET me', `${url}/v1/users/me`, { headers });
        outcomes.push(o);
        if (o.error) return;
      }
    });
    await sleep(1_000);
    service.interrupt();
    expect(await service.exited).toBe(0);
    await Promise.all(loops);
    agent.destroy();

    expect(outcomes.filter((o) => o.error && o.error !== 'ECONNREFUSED').map((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => !o.error && o.status !== 200).map((o) => o.status)).toEqual([]);
    expect(service.output).toContain('SIGINT received, draining');
    expect(service.output).not.toContain('database connection lost');
    expect(service.output).not.toContain('database unavailable');
  }, 180_000);
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
