import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../dist/database/embedded-postgres.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { ProbeModule } from '../support/probe.module.js';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const UNAVAILABLE = { error: 'SERVICE_UNAVAILABLE', message: 'Database unavailable', details: {}, timestamp: expect.stringMatching(TIMESTAMP), status_code: 503 };

/** The app's own database server, stopped and started again under it. */
describe('database outage', () => {
  let dataDir: string;
  let pg: EmbeddedPostgres;
  let t: TestApp;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-outage-'));
    await fs.chmod(dataDir, 0o755); // reachable by the `postgres` user when the tests run as root
    pg = new EmbeddedPostgres({ dataDir });
    t = await createTestApp({ DATABASE_URL: await pg.start() }, { modules: [ProbeModule] });
  });
  afterAll(async () => {
    await t?.close();
    await pg?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('is ready while the database answers', async () => {
    expect((await t.http.get('/health/ready')).status).toBe(200);
    expect((await t.http.get('/probe/db')).body).toEqual({ one: 1 });
  });

  it('answers 503 in the standard shape, quickly, while the database is down', async () => {
    const port = pg.port;
    const inFlight = t.db.query('SELECT pg_sleep(5)').then(
      () => 'finished',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 100));
    await pg.stop();
    expect(await inFlight).toBe('failed');

    const started = Date.now();
    const responses = await Promise.all([t.http.get('/health/ready'), t.http.get('/probe/db'), t.http.get('/probe/db'), t.http.get('/health/ready')]);
    expect(Date.now() - started).toBeLessThan(2500);
    for (const res of responses) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual(UNAVAILABLE);
    }
    // Liveness does not depend on the database: the process is fine, only not ready.
    expect((await t.http.get('/health/live')).status).toBe(200);
    expect(pg.port).toBe(port);
  });

  it('recovers by itself when the database is back on the same address', async () => {
    const port = pg.port;
    await pg.start();
    expect(pg.port).toBe(port);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await t.http.get('/health/ready')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await t.http.get('/probe/db')).body).toEqual({ one: 1 });
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => t.http.get('/probe/db')));
    expect(concurrent.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});
