import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, captureLogs, createTestApp, seedUser, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { drained, tokenOf } from './accounts.fixtures.js';

describe('link tokens in production logs', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  let lines: string[];
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ NODE_ENV: 'production', METRICS_PUBLIC: 'true', LOG_LEVEL: 'trace', SMTP_URL: smtp.url, JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', ADMIN_PASSWORD: 'bootstrap-password' });
    lines = captureLogs(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('never writes a token, whatever the request does with it', async () => {
    const u = await seedUser(t.db);
    await t.http.post('/v1/auth/verify-email/request').set(bearer(u.token));
    const verify = tokenOf(await smtp.waitFor(u.email, 1));
    await t.http.post('/v1/auth/password-reset/request').send({ email: u.email });
    const reset = tokenOf(await smtp.waitFor(u.email, 2));
    // Used, reused, sent where it does not belong (a query string, a malformed body).
    expect((await t.http.post('/v1/auth/verify-email').send({ token: verify })).status).toBe(200);
    expect((await t.http.post('/v1/auth/verify-email').send({ token: verify })).status).toBe(404);
    expect((await t.http.post(`/v1/auth/password-reset?token=${reset}`).send({ token: reset, new_password: 'x' })).status).toBe(422);
    expect((await t.http.post('/v1/auth/password-reset').send({ token: reset, new_password: 'new-password-here' })).status).toBe(204);
    await drained(t.db);
    expect(lines.length).toBeGreaterThan(5);
    const text = lines.join('');
    expect(text).not.toContain(verify);
    expect(text).not.toContain(reset);
    expect(text).not.toContain('new-password-here');
  });
});

describe('links without a mail server', () => {
  it('are written to the log outside production, and they work', async () => {
    const t = await createTestApp({ LOG_LEVEL: 'info', JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', PASSWORD_RESET_URL: 'http://localhost:3000/reset?token={token}' });
    try {
      const lines = captureLogs(t);
      const u = await seedUser(t.db);
      expect((await t.http.post('/v1/auth/password-reset/request').send({ email: u.email })).status).toBe(202);
      await drained(t.db);
      const entry = lines.map((l) => JSON.parse(l)).find((l) => String(l.msg).includes('password_reset link'));
      expect(entry).toMatchObject({ level: 30, context: 'Accounts' });
      expect(entry.msg).toContain(`for user ${u.user_id}: http://localhost:3000/reset?token=`);
      expect(entry.msg).not.toContain(u.email);
      const token = /token=([A-Za-z0-9_-]+)/.exec(entry.msg)![1];
      expect((await t.http.post('/v1/auth/password-reset').send({ token, new_password: 'from-the-log-link' })).status).toBe(204);
    } finally {
      await t.close();
    }
  });

  it('are never written in production', async () => {
    const t = await createTestApp({ NODE_ENV: 'production', METRICS_PUBLIC: 'true', LOG_LEVEL: 'trace', JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', ADMIN_PASSWORD: 'bootstrap-password' });
    try {
      const lines = captureLogs(t);
      const u = await seedUser(t.db);
      expect((await t.http.post('/v1/auth/password-reset/request').send({ email: u.email })).status).toBe(202);
      expect((await t.http.post('/v1/auth/verify-email/request').set(bearer(u.token))).status).toBe(202);
      await drained(t.db);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1`, [u.user_id]);
      expect(n).toBe(2);
      expect(lines.join('')).not.toMatch(/token=|link for user/);
    } finally {
      await t.close();
    }
  });
});
