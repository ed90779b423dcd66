import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../dist/webhooks/secret-box.js';
import { bearer, createTestApp, seedUser, TEST_WEBHOOK_KEY, type SeedUser, type TestApp } from '../support/app.js';
import { ConsumerEventsModule } from '../support/events.module.js';
import { WebhookReceiver, type Received } from '../support/webhook-receiver.js';
import { addOrgMember, seedOrg } from './users.fixtures.js';

let t: TestApp;
let receiver: WebhookReceiver;
let owner: SeedUser;
let org: string;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  t = await createTestApp({ JOBS_ENABLED: 'true',  WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '100,100,100', JOBS_POLL_MS: '50' }, { modules: [ConsumerEventsModule] });
  owner = await seedUser(t.db);
  org = await seedOrg(t.db, owner.user_id);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

async function register(path: string, eventTypes: string[], orgId = org): Promise<{ webhook_id: string; secret: string }> {
  const res = await t.http.post(`/v1/orgs/${orgId}/webhooks`).set(bearer(owner.token)).send({ url: `${receiver.url}${path}`, event_types: eventTypes });
  expect(res.status).toBe(201);
  return res.body;
}

/** Verifies the delivery with the Standard Webhooks library, as a receiver would; its payload. */
function verified(request: Received, secret: string): any {
  return new Webhook(secret).verify(request.body, request.headers);
}

const rename = (name: string) => t.http.patch(`/v1/orgs/${org}`).set(bearer(owner.token)).send({ name });

describe('webhook endpoints', () => {
  it('create (secret shown once), read, list, update, delete, each recorded as an event; the secret sealed at rest', async () => {
    const created = await t.http.post(`/v1/orgs/${org}/webhooks`).set(bearer(owner.token)).send({ url: `${receiver.url}/crud`, event_types: ['org.updated'], description: 'd' });
    expect(created.status).toBe(201);
    const { secret, ...webhook } = created.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(webhook).toEqual({
      webhook_id: expect.any(String), org_id: org, url: `${receiver.url}/crud`, event_types: ['org.updated'], description: 'd',
      enabled: true, disabled_reason: null, created_at: expect.any(String), updated_at: expect.any(String),
    });
    const id = webhook.webhook_id;
    expect((await t.http.get(`/v1/orgs/${org}/webhooks/${id}`).set(bearer(owner.token))).body).toEqual(webhook);
    expect((await t.http.get(`/v1/orgs/${org}/webhooks`).set(bearer(owner.token))).body.webhooks.map((w: any) => w.webhook_id)).toContain(id);
    const patched = await t.http.patch(`/v1/orgs/${org}/webhooks/${id}`).set(bearer(owner.token)).send({ enabled: false, event_types: ['*'] });
    expect(patched.body).toMatchObject({ enabled: false, event_types: ['*'] });
    const [row] = await t.db.query(`SELECT secret_enc, version FROM webhook_endpoints WHERE webhook_id = $1`, [id]);
    expect(row.secret_enc).not.toContain(secret.slice(6));
    expect(new SecretBox(TEST_WEBHOOK_KEY).open(row.secret_enc)).toBe(secret);
    expect(row.version).toBe(2);
    expect((await t.http.delete(`/v1/orgs/${org}/webhooks/${id}`).set(bearer(owner.token))).status).toBe(204);
    expect((await t.http.get(`/v1/orgs/${org}/webhooks/${id}`).set(bearer(owner.token))).status).toBe(404);
    const events = await t.db.query(`SELECT type, changes FROM events WHERE target_id = $1 ORDER BY sequence`, [id]);
    expect(events).toEqual([
      { type: 'webhook_endpoint.created', changes: null },
      { type: 'webhook_endpoint.updated', changes: { enabled: [true, false], event_types: [['org.updated'], ['*']] } },
      { type: 'webhook_endpoint.deleted', changes: null },
    ]);
    expect(JSON.stringify(await t.db.query(`SELECT data FROM events WHERE target_id = $1`, [id]))).not.toContain(secret.slice(6));
  });

  it('plain member 403 webhooks:manage, outsider 404', async () => {
    const member = await seedUser(t.db);
    const outsider = await seedUser(t.db);
    await addOrgMember(t.db, org, member.user_id);
    const refused = await t.http.get(`/v1/orgs/${org}/webhooks`).set(bearer(member.token));
    expect(refused.status).toBe(403);
    expect(refused.body.details).toEqual({ required_permission: 'webhooks:manage' });
    expect((await t.http.post(`/v1/orgs/${org}/webhooks`).set(bearer(outsider.token)).send({})).status).toBe(404);
  });
});

describe('deliveries', () => {
  it('every subscribed event once, signed, with webhook-id = event_id; unsubscribed types not sent', async () => {
    const { secret } = await register('/happy', ['org.updated', 'api_key.created']);
    for (let i = 0; i < 5; i++) await rename(`happy ${i}`);
    expect((await t.http.post(`/consumer/orgs/${org}/keys`).set(bearer(owner.token))).status).toBe(204);
    const got = await receiver.waitFor('/happy', 6);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/happy')).toHaveLength(6);
    const payloads = got.map((r) => verified(r, secret));
    // Deliveries run in parallel: each arrives once, in no promised order.
    expect(payloads.map((p) => (p.type === 'org.updated' ? p.data.data.name : p.type)).sort()).toEqual(['api_key.created', 'happy 0', 'happy 1', 'happy 2', 'happy 3', 'happy 4']);
    for (const [i, p] of payloads.entries()) {
      expect(Object.keys(p)).toEqual(['type', 'timestamp', 'data']);
      expect(got[i].headers['webhook-id']).toBe(p.data.event_id);
      expect(p.timestamp).toBe(p.data.occurred_at);
    }
    expect(() => verified(got[0], `whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toThrow();
  });

  it('retries a 500 with the same webhook-id, and logs each attempt', async () => {
    const { webhook_id } = await register('/flaky', ['org.updated']);
    receiver.answer('/flaky', [500, 500, 200]);
    await rename('flaky');
    const got = await receiver.waitFor('/flaky', 3);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    let log: any;
    for (let i = 0; i < 100; i++) {
      log = (await t.http.get(`/v1/orgs/${org}/webhooks/${webhook_id}/deliveries`).set(bearer(owner.token))).body;
      if (log.deliveries.length === 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log.deliveries.map((d: any) => [d.status_code, d.state, d.next_attempt_at === null])).toEqual([
      [200, 'succeeded', true],
      [500, 'succeeded', false],
      [500, 'succeeded', false],
    ]);
    expect(log.deliveries[2]).toMatchObject({ event_type: 'org.updated', error: 'receiver answered 500', duration_ms: expect.any(Number) });
  });

  it('gives up after the schedule and shows the delivery failed', async () => {
    const { webhook_id } = await register('/down', ['org.updated']);
    receiver.answer('/down', 503);
    await rename('down');
    await receiver.waitFor('/down', 4);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/down')).toHaveLength(4);
    const [row] = await t.db.query(`SELECT state, attempts FROM webhook_deliveries WHERE webhook_id = $1`, [webhook_id]);
    expect(row).toEqual({ state: 'failed', attempts: 4 });
  });

  it('a 410 disables the endpoint: nothing more is sent', async () => {
    const { webhook_id } = await register('/gone', ['org.updated']);
    receiver.answer('/gone', 410);
    await rename('gone 1');
    await receiver.waitFor('/gone', 1);
    let endpoint: any;
    for (let i = 0; i < 100 && endpoint?.enabled !== false; i++) {
      endpoint = (await t.http.get(`/v1/orgs/${org}/webhooks/${webhook_id}`).set(bearer(owner.token))).body;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(endpoint).toMatchObject({ enabled: false, disabled_reason: 'The receiver answered 410 Gone' });
    await rename('gone 2');
    await receiver.waitFor('/happy', 7);
    expect(receiver.at('/gone')).toHaveLength(1);
  });

  it('after a rotation both secrets sign, in two space-separated v1 signatures', async () => {
    const { webhook_id, secret: old } = await register('/rotate', ['org.updated']);
    const rotated = await t.http.post(`/v1/orgs/${org}/webhooks/${webhook_id}/rotate-secret`).set(bearer(owner.token));
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret;
    expect(fresh).not.toBe(old);
    await rename('rotated');
    const [request] = await receiver.waitFor('/rotate', 1);
    expect(request.headers['webhook-signature'].split(' ').map((s) => s.slice(0, 3))).toEqual(['v1,', 'v1,']);
    expect(verified(request, fresh).data.data.name).toBe('rotated');
    expect(verified(request, old).data.data.name).toBe('rotated');
  });

  it('a redirect is not followed', async () => {
    const { webhook_id } = await register('/redirect', ['org.updated']);
    receiver.answer('/redirect', () => ({ status: 302, headers: { location: `${receiver.url}/elsewhere` } }));
    await rename('redirected');
    await receiver.waitFor('/redirect', 4);
    expect(receiver.at('/elsewhere')).toHaveLength(0);
    const [{ status_code }] = await t.db.query(`SELECT status_code FROM webhook_attempts WHERE webhook_id = $1 LIMIT 1`, [webhook_id]);
    expect(status_code).toBe(302);
  });

  it('POST …/test sends a signed webhook.test message', async () => {
    const { webhook_id, secret } = await register('/ping', ['org.deleted']);
    const res = await t.http.post(`/v1/orgs/${org}/webhooks/${webhook_id}/test`).set(bearer(owner.token));
    expect(res.status).toBe(202);
    const [request] = await receiver.waitFor('/ping', 1);
    expect(request.headers['webhook-id']).toBe(res.body.event_id);
    expect(verified(request, secret)).toMatchObject({ type: 'webhook.test', data: { webhook_id, org_id: org } });
  });
});

describe('SSRF rules without WEBHOOK_ALLOW_PRIVATE', () => {
  let strict: TestApp;
  let boss: SeedUser;
  let orgId: string;

  beforeAll(async () => {
    strict = await createTestApp({ JOBS_ENABLED: 'true',  JOBS_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '100' });
    boss = await seedUser(strict.db);
    orgId = await seedOrg(strict.db, boss.user_id);
  });
  afterAll(() => strict?.close());

  it('refuses http and loopback, private, link-local and metadata addresses at registration', async () => {
    const urls = [
      `${receiver.url}/x`,
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://172.16.5.4/x',
      'https://192.168.0.10/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://[fc00::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://localhost/x',
      'ftp://example.com/x',
    ];
    for (const url of urls) {
      const res = await strict.http.post(`/v1/orgs/${orgId}/webhooks`).set(bearer(boss.token)).send({ url, event_types: ['*'] });
      expect(res.status, url).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'url'], input: url });
    }
  });

  it('checks again at delivery: an endpoint that now points inward gets nothing', async () => {
    const sealed = new SecretBox(TEST_WEBHOOK_KEY).seal(`whsec_${Buffer.alloc(32, 3).toString('base64')}`);
    const url = `${receiver.url.replace('http:', 'https:')}/inward`;
    const [{ webhook_id }] = await strict.db.query(
      `INSERT INTO webhook_endpoints (org_id, url, event_types, secret_enc) VALUES ($1, $2, '{*}', $3) RETURNING webhook_id`,
      [orgId, url, sealed],
    );
    await strict.http.patch(`/v1/orgs/${orgId}`).set(bearer(boss.token)).send({ name: 'inward' });
    let attempts: any[] = [];
    for (let i = 0; i < 200 && attempts.length < 2; i++) {
      attempts = await strict.db.query(`SELECT status_code, error FROM webhook_attempts WHERE webhook_id = $1`, [webhook_id]);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(attempts).toHaveLength(2);
    for (const a of attempts) expect(a).toEqual({ status_code: null, error: expect.stringContaining('non-public address (127.0.0.1)') });
    expect(receiver.at('/inward')).toHaveLength(0);
  });
});
