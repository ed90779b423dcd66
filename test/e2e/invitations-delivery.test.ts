import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, captureLogs, createTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { buildWorld } from './access-fixtures.js';
import { invite, uniqueEmail } from './invitations.fixtures.js';

describe('invitations: mail server down, no mail server, rate limit, logs', () => {
  it('answers 201 at once while the mail server is down, and the mail goes out once it is back', async () => {
    const smtp = await new TestSmtp().start();
    const port = smtp.port;
    await smtp.stop();
    const t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', MAIL_RETRY_DELAYS_MS: Array(60).fill('100').join(',') });
    try {
      const w = await buildWorld(t.db);
      const email = uniqueEmail('later');
      const res = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email, role: 'member' });
      expect(res.status).toBe(201);
      // The answer came while the server was down; the queued mail fails at least once before it is back.
      for (let failed = 0; failed === 0; ) {
        await new Promise((r) => setTimeout(r, 25));
        [{ failed }] = await t.db.query(`SELECT count(*)::int AS failed FROM jobs WHERE queue = 'mail' AND attempts >= 1 AND last_error IS NOT NULL`);
      }
      expect(smtp.mails).toHaveLength(0);
      await smtp.start(port);
      const mail = await smtp.waitFor(email, 1, 15_000);
      expect(mail.text).toContain(res.body.accept_url);
    } finally {
      await t.close();
      await smtp.stop();
    }
  });

  describe('without SMTP_URL, with a limit of 3 an hour, logging at info', () => {
    let t: TestApp;
    let lines: string[];
    beforeAll(async () => {
      t = await createTestApp({ RATE_LIMIT_INVITES_PER_HOUR: '3', LOG_LEVEL: 'info' });
      lines = captureLogs(t);
    });
    afterAll(() => t.close());

    it('sends nothing but still answers the token and link', async () => {
      const w = await buildWorld(t.db);
      const res = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: uniqueEmail(), role: 'member' });
      expect(res.status).toBe(201);
      expect(res.body.accept_url).toBe(`http://localhost:8000/accept-invitation?token=${res.body.token}`);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'mail'`);
      expect(n).toBe(0);
      const [{ e }] = await t.db.query(`SELECT count(*)::int AS e FROM events WHERE type = 'invitation.created' AND target_id = $1`, [res.body.invitation_id]);
      expect(e).toBe(1);
    });

    it('answers 429 RATE_LIMITED with Retry-After past the org’s hourly allowance, counting every scope of the org', async () => {
      const w = await buildWorld(t.db);
      expect((await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: uniqueEmail(), role: 'member' })).status).toBe(201);
      expect((await invite(t, w.users.orgAdmin.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'member' })).status).toBe(201);
      expect((await invite(t, w.users.admin.token, w.orgId, w.workspaceId, { email: uniqueEmail(), role: 'member' })).status).toBe(201);
      const res = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: uniqueEmail(), role: 'member' });
      expect(res.status).toBe(429);
      expectErrorShape(res.body, 429, 'RATE_LIMITED');
      const seconds = res.body.details.retry_after_seconds;
      expect(seconds).toBeGreaterThan(3500);
      expect(seconds).toBeLessThanOrEqual(3600);
      expect(res.headers['retry-after']).toBe(String(seconds));
      // Another org has its own allowance.
      const other = await buildWorld(t.db);
      expect((await invite(t, other.users.orgAdmin.token, other.orgId, undefined, { email: uniqueEmail(), role: 'member' })).status).toBe(201);
    });

    it('never writes a token to the log: not from the create answer, the accept body, a 422, nor a query string', async () => {
      const w = await buildWorld(t.db);
      lines.length = 0;
      const created = await invite(t, w.users.orgAdmin.token, w.orgId, undefined, { email: uniqueEmail('logged'), role: 'member' });
      const token = created.body.token as string;
      const accept = t.http.post('/v1/invitations/accept');
      await t.http.post(`/v1/invitations/accept?token=${token}`).send({ token, password: 'long-enough-password' });
      const ok = await accept.send({ token, username: `logged_${Date.now().toString(36)}`, password: 'long-enough-password' });
      expect(ok.status).toBe(201);
      await t.http.post('/v1/invitations/accept').set(bearer(ok.body.access_token)).send({ token });
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.length).toBeGreaterThanOrEqual(4);
      for (const line of lines) {
        expect(line).not.toContain(token);
        expect(line).not.toContain(ok.body.refresh_token);
      }
    });
  });
});
