import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { createTestDatabase, dropTestDatabase, seedUser, type SeedUser } from '../support/app.js';
import { ServiceProcess } from './service-process.js';

/**
 * `node dist/main.js` killed with SIGKILL between two requests sent with one Idempotency-Key:
 * the outcome was committed with the effect, so the restarted service still replays it.
 */
describe('faults: SIGKILL between two requests with one Idempotency-Key', () => {
  let databaseUrl: string;
  let db: DataSource;
  let admin: SeedUser;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = await new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 2 })).initialize();
    admin = await seedUser(db, { roles: ['admin'] });
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await db?.destroy();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const start = async () => {
    const p = new ServiceProcess({ DATABASE_URL: databaseUrl });
    processes.push(p);
    return { p, url: await p.listening() };
  };
  const post = (url: string, key: string) =>
    fetch(`${url}/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ name: 'Survives a crash' }),
    });

  it('replays after the restart what was answered before the kill', async () => {
    const first = await start();
    const created = await post(first.url, 'crash-key-1');
    expect(created.status).toBe(201);
    const body = await created.text();
    first.p.kill('SIGKILL');
    await first.p.exited;

    const second = await start();
    const replayed = await post(second.url, 'crash-key-1');
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.text()).toBe(body);
    expect(replayed.headers.get('etag')).toBe(created.headers.get('etag'));
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM organizations WHERE name = 'Survives a crash'`);
    expect(n).toBe(1);
  }, 180_000);
});
