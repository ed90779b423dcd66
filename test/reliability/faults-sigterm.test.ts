import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { createTestDatabase, dropTestDatabase } from '../support/app.js';
import { call, json } from './load.js';
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

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = await new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 2 })).initialize();
    w = await buildWorld(db);
  });
  afterAll(async () => {
    service?.kill('SIGKILL');
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
});
