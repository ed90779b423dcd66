import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { createTestDatabase, dropTestDatabase, seedUser, TEST_WEBHOOK_KEY } from '../support/app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { seedOrg } from '../e2e/users.fixtures.js';
import { ServiceProcess } from './service-process.js';

const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_RETRY_SCHEDULE: '200,200,200,200,200,200',
  JOBS_POLL_MS: '100',
};

/**
 * `node dist/main.js` killed with SIGKILL while deliveries are in flight and queued: after a restart
 * on the same database every event reaches the receiver (a redelivery carries the same webhook-id).
 */
describe('faults: SIGKILL with webhook deliveries pending', () => {
  let databaseUrl: string;
  let db: DataSource;
  let receiver: WebhookReceiver;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = await new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 2 })).initialize();
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await db?.destroy();
    await receiver?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const start = async () => {
    const p = new ServiceProcess({ DATABASE_URL: databaseUrl, ...ENV });
    processes.push(p);
    return { p, url: await p.listening() };
  };

  it('delivers every event after a restart', async () => {
    const owner = await seedUser(db);
    const org = await seedOrg(db, owner.user_id);
    const first = await start();
    const auth = { Authorization: `Bearer ${owner.token}`, 'Content-Type': 'application/json' };
    let answering = false;
    receiver.answer('/crash', () => (answering ? { status: 204 } : { status: 204, delayMs: 60_000 }));
    const created = await fetch(`${first.url}/v1/orgs/${org}/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `${receiver.url}/crash`, event_types: ['org.updated'] }) });
    expect(created.status).toBe(201);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${first.url}/v1/orgs/${org}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ name: `crash ${i}` }) });
      expect(res.status).toBe(200);
    }
    await receiver.waitFor('/crash', 1);
    first.p.kill('SIGKILL');
    await first.p.exited;
    answering = true;

    await start();
    const events: { event_id: string }[] = await db.query(`SELECT event_id FROM events WHERE org_id = $1 AND type = 'org.updated'`, [org]);
    expect(events).toHaveLength(20);
    const expected = new Set(events.map((e) => e.event_id));
    // Done once every event has its delivery and each succeeded: events not yet fanned out when the
    // process died have no delivery row until the new process's dispatcher reaches them.
    for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
      const [{ succeeded }] = await db.query(`SELECT count(*)::int AS succeeded FROM webhook_deliveries WHERE state = 'succeeded'`);
      if (succeeded === expected.size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const delivered = await db.query(`SELECT event_id, state FROM webhook_deliveries`);
    expect(delivered).toHaveLength(20);
    expect(new Set(delivered.map((d: any) => d.event_id))).toEqual(expected);
    expect(delivered.every((d: any) => d.state === 'succeeded')).toBe(true);
    expect(new Set(receiver.at('/crash').map((r) => r.headers['webhook-id']))).toEqual(expected);
  });
});
