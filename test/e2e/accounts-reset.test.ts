import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { drained, eventsOf, expectTokenGone, expectTokenNotFound, tokenOf } from './accounts.fixtures.js';

const NEW_PASSWORD = 'a-brand-new-password';

describe('password reset', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ SMTP_URL: smtp.url, JOBS_ENABLED: 'true', JOBS_POLL_MS: '50', MAIL_RETRY_DELAYS_MS: Array(40).fill('100').join(',') });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  const ask = (email: string) => t.http.post('/v1/auth/password-reset/request').send({ email });
  const reset = (token: string, password = NEW_PASSWORD) => t.http.post('/v1/auth/password-reset').send({ token, new_password: password });
  const login = (login: string, password: string) => t.http.post('/v1/auth/login').send({ login, password });
  const mailsTo = (email: string) => smtp.mails.filter((m) => JSON.stringify(m.to).toLowerCase().includes(email.toLowerCase())).length;

  it('answers 202 for a known and an unknown address alike, and mails only the known one', async () => {
    const u = await seedUser(t.db);
    const known = await ask(u.email.toUpperCase());
    const unknown = await ask('nobody-here@example.com');
    for (const res of [known, unknown]) {
      expect(res.status).toBe(202);
      expect(res.text).toBe('');
    }
    const mail = await smtp.waitFor(u.email);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('valid for 1 hour');
    tokenOf(mail);
    await drained(t.db);
    expect(mailsTo('nobody-here@example.com')).toBe(0);
    expect(await eventsOf(t.db, u.user_id, 'user.password_reset_requested')).toEqual([{ actor_type: 'system', actor_id: null, data: null }]);
  });

  it('sets the new password through the link and signs the user out everywhere at once', async () => {
    const u = await seedUser(t.db);
    const before = await login(u.email, TEST_PASSWORD);
    expect(before.status).toBe(200);
    await ask(u.email);
    const token = tokenOf(await smtp.waitFor(u.email));

    const res = await reset(token);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    // The old password, the seeded access token (no family), the login's access and refresh tokens.
    expect((await login(u.email, TEST_PASSWORD)).status).toBe(401);
    expect((await t.http.get('/v1/users/me').set(bearer(u.token))).status).toBe(401);
    expect((await t.http.get('/v1/users/me').set(bearer(before.body.access_token))).status).toBe(401);
    expect((await t.http.post('/v1/auth/refresh').send({ refresh_token: before.body.refresh_token })).status).toBe(401);
    const fresh = await login(u.email, NEW_PASSWORD);
    expect(fresh.status).toBe(200);
    expect((await t.http.get('/v1/users/me').set(bearer(fresh.body.access_token))).body).toMatchObject({ user_id: u.user_id, is_verified: true });
    expect(await eventsOf(t.db, u.user_id, 'user.password_reset')).toEqual([
      { actor_type: 'system', actor_id: null, data: expect.objectContaining({ user_id: u.user_id, is_verified: true }) },
    ]);

    expectTokenNotFound(await reset(token, 'yet-another-password'), 'password_reset');
    expect((await login(u.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('voids the first link when a second is asked for, and every other link once one is used', async () => {
    const u = await seedUser(t.db);
    await ask(u.email);
    const first = tokenOf(await smtp.waitFor(u.email, 1));
    await ask(u.email);
    const second = tokenOf(await smtp.waitFor(u.email, 2));
    expect(second).not.toBe(first);
    expectTokenNotFound(await reset(first), 'password_reset');
    expect((await reset(second)).status).toBe(204);
    const [{ open }] = await t.db.query(`SELECT count(*)::int AS open FROM account_tokens WHERE user_id = $1 AND used_at IS NULL`, [u.user_id]);
    expect(open).toBe(0);
  });

  it('spends a link once when two resets race with it', async () => {
    const u = await seedUser(t.db);
    await ask(u.email);
    const token = tokenOf(await smtp.waitFor(u.email));
    const results = await Promise.all([reset(token, 'racer-one-password'), reset(token, 'racer-two-password')]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 404]);
    const winner = results[0].status === 204 ? 'racer-one-password' : 'racer-two-password';
    expect((await login(u.email, winner)).status).toBe(200);
    expect(await eventsOf(t.db, u.user_id, 'user.password_reset')).toHaveLength(1);
  });

  it('mails nothing to a disabled account, and its old links stop working', async () => {
    const u = await seedUser(t.db);
    await ask(u.email);
    const token = tokenOf(await smtp.waitFor(u.email));
    await t.db.query(`UPDATE users SET is_active = false WHERE user_id = $1`, [u.user_id]);
    expect((await ask(u.email)).status).toBe(202);
    await drained(t.db);
    expect(mailsTo(u.email)).toBe(1);
    expectTokenNotFound(await reset(token), 'password_reset');
  });

  it('answers 410 to an expired link and keeps the password', async () => {
    const u = await seedUser(t.db);
    await ask(u.email);
    const token = tokenOf(await smtp.waitFor(u.email));
    await t.db.query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.user_id]);
    expectTokenGone(await reset(token), 'password_reset');
    expect((await login(u.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses a verification link as a reset link, and the reverse', async () => {
    const u = await seedUser(t.db);
    await t.http.post('/v1/auth/verify-email/request').set(bearer(u.token));
    const verify = tokenOf(await smtp.waitFor(u.email, 1));
    expectTokenNotFound(await reset(verify), 'password_reset');
    await ask(u.email);
    const resetToken = tokenOf(await smtp.waitFor(u.email, 2));
    expectTokenNotFound(await t.http.post('/v1/auth/verify-email').send({ token: resetToken }), 'verify_email');
  });

  it('holds the new password to the password rules, without echoing it or the token', async () => {
    const res = await t.http.post('/v1/auth/password-reset').send({ token: 'some-token', new_password: 'short' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { type: 'string_too_short', loc: ['body', 'new_password'], msg: 'String should have at least 8 characters', input: '**********', ctx: { min_length: 8 } },
    ]);
    const bad = await t.http.post('/v1/auth/password-reset/request').send({ email: 'not-an-email' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'email'] });
  });

  it('answers 202 at once while the mail server is down, and the mail goes out when it is back', async () => {
    const u = await seedUser(t.db);
    const port = smtp.port;
    await smtp.stop();
    try {
      const res = await ask(u.email);
      expect(res.status).toBe(202);
      await drained(t.db, 'password_reset_request');
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'mail'`);
      expect(n).toBe(1);
    } finally {
      await smtp.start(port);
    }
    tokenOf(await smtp.waitFor(u.email, 1, 15_000));
  });
});

describe('password reset: the same work for known and unknown addresses', () => {
  it('spends about the same time on both (medians within 20 %)', async () => {
    const smtp = await new TestSmtp().start();
    // No polling timer to land inside a measured request: the jobs run when a commit nudges the queue.
    const t = await createTestApp({ SMTP_URL: smtp.url, JOBS_ENABLED: 'true', JOBS_POLL_MS: '60000' });
    try {
      const u = await seedUser(t.db);
      // CPU time of this process (the app runs in it), as the login timing test measures it; each
      // sample waits for the background work the previous one queued, so none counts another's.
      const time = async (email: string) => {
        await drained(t.db);
        const start = process.cpuUsage();
        const res = await t.http.post('/v1/auth/password-reset/request').send({ email });
        expect(res.status).toBe(202);
        const used = process.cpuUsage(start);
        return (used.user + used.system) / 1000;
      };
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) await time(`warm-up-${i}@example.com`);
      for (let i = 0; i < 21; i++) {
        known.push(await time(u.email));
        unknown.push(await time(`ghost${i}@example.com`));
      }
      const ratio = median(unknown) / median(known);
      const figures = `unknown ${median(unknown).toFixed(2)} ms CPU, known ${median(known).toFixed(2)} ms CPU`;
      expect(ratio, figures).toBeGreaterThan(1 / 1.2);
      expect(ratio, figures).toBeLessThan(1.2);
      await smtp.waitFor(u.email, 21);
    } finally {
      await t.close();
      await smtp.stop();
    }
    // Some fifty requests, each after the previous one's background work: slow on a loaded machine.
  }, 120_000);
});

describe('password reset: rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR: '2', RATE_LIMIT_ACCOUNT_MAIL_PER_MINUTE: '4', JOBS_ENABLED: 'false' });
  });
  afterAll(() => t?.close());

  it('limits requests per address (any spelling) and per client address', async () => {
    const ask = (email: string) => t.http.post('/v1/auth/password-reset/request').send({ email });
    expect((await ask('target@example.com')).status).toBe(202);
    expect((await ask('TARGET@example.com')).status).toBe(202);
    const perEmail = await ask('target@example.com');
    expect(perEmail.status).toBe(429);
    expectErrorShape(perEmail.body, 429, 'RATE_LIMITED');
    expect(Number(perEmail.headers['retry-after'])).toBeGreaterThan(0);
    expect(perEmail.body.details).toEqual({ retry_after_seconds: Number(perEmail.headers['retry-after']) });
    // Three requests so far from this address; the fourth passes, the fifth is over.
    expect((await ask('other@example.com')).status).toBe(202);
    const perIp = await ask('third@example.com');
    expect(perIp.status).toBe(429);
    expectErrorShape(perIp.body, 429, 'RATE_LIMITED');
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'password_reset_request'`);
    expect(n).toBe(3);
  });
});
