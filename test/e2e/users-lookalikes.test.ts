import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NormalizeEmails1764560000001 } from '../../dist/database/migrations/1764560000001-NormalizeEmails.js';
import { bearer, createTestApp, seedUser, TEST_PASSWORD, type SeedUser, type TestApp } from '../support/app.js';
import { seedAdmin } from './users.fixtures.js';

const unique = () => randomBytes(5).toString('hex');
/** `alice` spelled with a fullwidth first letter (U+FF41), which NFKC turns back into `a`. */
const fullwidth = (text: string) => String.fromCodePoint(0xff41 + text.charCodeAt(0) - 0x61) + text.slice(1);

/** Look-alike and invisible characters in emails, usernames and names. */
describe('emails and names: one spelling per account', () => {
  let t: TestApp;
  let admin: SeedUser;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_PASSWORD: 'bootstrap-password' });
    admin = await seedAdmin(t.db);
  });
  afterAll(() => t?.close());

  const create = (body: Record<string, unknown>) =>
    t.http.post('/v1/users').set(bearer(admin.token)).send({ username: `u_${unique()}`, password: 'password1', ...body });

  it('stores an email NFKC-normalized: a fullwidth spelling is the same account (409) and signs in', async () => {
    const email = `alice_${unique()}@example.com`;
    const created = await create({ email: fullwidth(email) });
    expect(created.status).toBe(201);
    expect(created.body.email).toBe(email);
    const again = await create({ email });
    expect(again.status).toBe(409);
    expect(again.body.details).toEqual({ resource_type: 'user', field: 'email' });
    expect((await t.http.post('/v1/auth/login').send({ login: fullwidth(email), password: 'password1' })).status).toBe(200);
  });

  it('composes accents: a\\u0301 and á are one address', async () => {
    const tail = `lice_${unique()}@example.com`;
    await seedUser(t.db, { email: `\u00e1${tail}` });
    expect((await create({ email: `a\u0301${tail}` })).status).toBe(409);
    expect((await create({ email: `\u00c1${tail}` })).status).toBe(409);
  });

  it.each([
    ['a zero-width space', (e: string) => e.replace('@', '\u200b@'), 'U+200B'],
    ['a soft hyphen in the domain', (e: string) => e.replace('@example', '@exa\u00admple'), 'U+00AD'],
    ['a right-to-left override', (e: string) => `\u202e${e}`, 'U+202E'],
    ['a control character', (e: string) => e.replace('@', '\u0007@'), 'U+0007'],
  ])('refuses an email with %s (422 value_error at the field)', async (_label, spoil, code) => {
    const email = spoil(`alice_${unique()}@example.com`);
    const res = await create({ email });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      {
        type: 'value_error',
        loc: ['body', 'email'],
        msg: `Value error, must not contain invisible or control characters (found ${code})`,
        input: email,
        ctx: { error: `must not contain invisible or control characters (found ${code})` },
      },
    ]);
  });

  it('refuses invisible characters in a username and a full name, and a blank full name', async () => {
    const res = await create({ email: `bob_${unique()}@example.com`, username: `bo\u200db_${unique()}`, full_name: 'Bob \u2066Smith' });
    expect(res.status).toBe(422);
    expect(res.body.detail.map((d: any) => [d.loc, d.type, d.msg])).toEqual([
      [['body', 'username'], 'value_error', 'Value error, must not contain invisible or control characters (found U+200D)'],
      [['body', 'full_name'], 'value_error', 'Value error, must not contain invisible or control characters (found U+2066)'],
    ]);
    for (const blank of ['', '   ', '\u3000\t']) {
      const spaces = await create({ email: `bob_${unique()}@example.com`, full_name: blank });
      expect(spaces.status).toBe(422);
      expect(spaces.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'full_name'], input: blank });
    }
  });

  it('applies the same rules to an update', async () => {
    const u = await seedUser(t.db);
    const other = await seedUser(t.db);
    const put = (body: object) => t.http.put(`/v1/users/${u.user_id}`).set(bearer(u.token)).send(body);
    expect((await put({ full_name: ' ' })).status).toBe(422);
    expect((await put({ username: `x\u00ad${unique()}` })).body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'username'] });
    expect((await put({ email: fullwidth(other.email) })).status).toBe(409);
    // The same address in another spelling is no change: the account stays verified.
    await t.db.query(`UPDATE users SET is_verified = true WHERE user_id = $1`, [u.user_id]);
    const same = await put({ email: fullwidth(u.email) });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ email: u.email, is_verified: true });
  });

  it('migration: normalizes stored emails, and leaves and reports the ones that would collide', async () => {
    const taken = `carol_${unique()}@example.com`;
    const alone = `dave_${unique()}@example.com`;
    const keeper = await seedUser(t.db, { email: taken });
    const lookalike = await seedUser(t.db, { email: fullwidth(taken) });
    const lone = await seedUser(t.db, { email: `${alone.slice(0, 4).toUpperCase().replace(/[A-Z]/g, (c) => String.fromCodePoint(c.charCodeAt(0) + 0xfee0))}${alone.slice(4)}` });
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const runner = t.db.createQueryRunner();
    let reported: string[];
    try {
      await new NormalizeEmails1764560000001().up(runner);
    } finally {
      reported = warn.mock.calls.map((c) => String(c[0]));
      await runner.release();
      warn.mockRestore();
    }
    const emailOf = async (id: string) => (await t.db.query(`SELECT email FROM users WHERE user_id = $1`, [id]))[0].email;
    expect(await emailOf(lone.user_id)).toBe(alone);
    expect(await emailOf(keeper.user_id)).toBe(taken);
    expect(await emailOf(lookalike.user_id)).toBe(fullwidth(taken));
    expect(reported.some((line) => line.includes(lookalike.user_id) && line.includes(keeper.user_id))).toBe(true);
    expect(reported.join('\n')).not.toContain(taken);
    // Both spellings still sign in to their own account, as before.
    expect((await t.http.post('/v1/auth/login').send({ login: taken, password: TEST_PASSWORD })).status).toBe(200);
  });
});
