import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { eventsOf, expectTokenGone, expectTokenNotFound, tokenOf } from './accounts.fixtures.js';
import { expectUserObject } from './users.fixtures.js';

describe('email verification', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ SMTP_URL: smtp.url, JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', VERIFY_EMAIL_URL: 'https://app.example.com/verify?token={token}' });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  const request = (token: string) => t.http.post('/v1/auth/verify-email/request').set(bearer(token));
  const confirm = (token: unknown) => t.http.post('/v1/auth/verify-email').send({ token });

  it('mails a link on request that verifies the address, once', async () => {
    const u = await seedUser(t.db);
    const res = await request(u.token);
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const mail = await smtp.waitFor(u.email);
    expect(mail.subject).toBe('Verify your email address');
    expect(mail.text).toContain('https://app.example.com/verify?token=');
    expect(mail.text).toContain('valid for 24 hours');
    const token = tokenOf(mail);
    // Only the hash is kept, with the address the link went to.
    const rows = await t.db.query(`SELECT purpose, email, token_hash, used_at, extract(epoch FROM expires_at - created_at)::int AS ttl FROM account_tokens WHERE user_id = $1`, [u.user_id]);
    expect(rows).toEqual([{ purpose: 'verify_email', email: u.email, token_hash: createHash('sha256').update(token).digest(), used_at: null, ttl: 86_400 }]);

    const ok = await confirm(token);
    expect(ok.status).toBe(200);
    expectUserObject(ok.body, { user_id: u.user_id, email: u.email, is_verified: true });
    const [{ is_verified }] = await t.db.query(`SELECT is_verified FROM users WHERE user_id = $1`, [u.user_id]);
    expect(is_verified).toBe(true);
    const events = await eventsOf(t.db, u.user_id, 'user.email_verified');
    expect(events).toEqual([{ actor_type: 'system', actor_id: null, data: expect.objectContaining({ user_id: u.user_id, is_verified: true }) }]);

    expectTokenNotFound(await confirm(token), 'verify_email');
  });

  it('answers 409 already_verified to a verified user, and 401 without a token', async () => {
    const u = await seedUser(t.db, { is_verified: true });
    const res = await request(u.token);
    expect(res.status).toBe(409);
    expectErrorShape(res.body, 409, 'RESOURCE_CONFLICT');
    expect(res.body.details).toEqual({ reason: 'already_verified' });
    expect((await t.http.post('/v1/auth/verify-email/request')).status).toBe(401);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1`, [u.user_id]);
    expect(n).toBe(0);
  });

  it('answers 410 to an expired link and 404 to an unknown one', async () => {
    const u = await seedUser(t.db);
    await request(u.token);
    const token = tokenOf(await smtp.waitFor(u.email));
    await t.db.query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.user_id]);
    expectTokenGone(await confirm(token), 'verify_email');
    expectTokenNotFound(await confirm('A'.repeat(43)), 'verify_email');
    const [{ is_verified }] = await t.db.query(`SELECT is_verified FROM users WHERE user_id = $1`, [u.user_id]);
    expect(is_verified).toBe(false);
  });

  it('refuses a link sent to an address the user changed since, and mails the new address by itself', async () => {
    const u = await seedUser(t.db, { is_verified: true });
    await t.db.query(`UPDATE users SET is_verified = false WHERE user_id = $1`, [u.user_id]);
    await request(u.token);
    const old = tokenOf(await smtp.waitFor(u.email));
    const newEmail = `moved_${u.username}@example.com`;
    const put = await t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send({ email: newEmail });
    expect(put.status).toBe(200);
    expect(put.body.is_verified).toBe(false);
    const fresh = tokenOf(await smtp.waitFor(newEmail));
    expectTokenNotFound(await confirm(old), 'verify_email');
    const ok = await confirm(fresh);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ email: newEmail, is_verified: true });
  });

  it('sends nothing when an update leaves the email as it was', async () => {
    const u = await seedUser(t.db);
    const put = await t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send({ email: u.email.toUpperCase(), full_name: 'Same Address' });
    expect(put.status).toBe(200);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1`, [u.user_id]);
    expect(n).toBe(0);
  });

  it('spends a link once when two requests race with it', async () => {
    const u = await seedUser(t.db);
    await request(u.token);
    const token = tokenOf(await smtp.waitFor(u.email));
    const results = await Promise.all([confirm(token), confirm(token), confirm(token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 404, 404]);
    expect(await eventsOf(t.db, u.user_id, 'user.email_verified')).toHaveLength(1);
  });

  it('validates the body (422) without echoing the token', async () => {
    const res = await t.http.post('/v1/auth/verify-email').send({ token: 12345 });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([{ type: 'string_type', loc: ['body', 'token'], msg: 'Input should be a valid string', input: '**********' }]);
    const missing = await t.http.post('/v1/auth/verify-email').send({});
    expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'token'], msg: 'Field required', input: {} }]);
  });
});
