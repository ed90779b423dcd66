import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminBootstrap } from '../../dist/auth/admin-bootstrap.js';
import { createTestApp, createTestDatabase, dropTestDatabase, type TestApp } from '../support/app.js';

/** Lines printed on stdout through console.log while `work` runs. */
async function printed<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const value = await work();
    return { value, lines: spy.mock.calls.map((c) => c.join(' ')) };
  } finally {
    spy.mockRestore();
  }
}

describe('admin bootstrap', () => {
  const apps: TestApp[] = [];
  const databases: string[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const db of databases.splice(0)) await dropTestDatabase(db);
  });

  it('creates the admin from ADMIN_EMAIL / ADMIN_PASSWORD and prints no password', async () => {
    const { value: t, lines } = await printed(() => createTestApp({ ADMIN_EMAIL: 'Root@Example.com', ADMIN_PASSWORD: 'the-admin-password' }));
    apps.push(t);
    expect(lines.join('\n')).not.toContain('the-admin-password');
    const users = await t.db.query(`SELECT email, username, roles, is_active, is_verified FROM users`);
    expect(users).toEqual([{ email: 'root@example.com', username: 'admin', roles: ['admin'], is_active: true, is_verified: true }]);
    const login = await t.http.post('/v1/auth/login').send({ login: 'root@example.com', password: 'the-admin-password' });
    expect(login.status).toBe(200);
    const me = await t.http.get('/v1/users/me').set('Authorization', `Bearer ${login.body.access_token}`);
    expect(me.body.roles).toEqual(['admin']);
  });

  it('generates a strong password when none is set, prints it once, and never again on restart', async () => {
    const url = await createTestDatabase();
    databases.push(url);
    const first = await printed(() => createTestApp({ DATABASE_URL: url }));
    apps.push(first.value);
    const mentions = first.lines.filter((l) => l.includes('generated password'));
    expect(mentions).toHaveLength(1);
    const password = /generated password: (\S+)/.exec(mentions[0])![1];
    expect(password.length).toBeGreaterThanOrEqual(24);
    const login = await first.value.http.post('/v1/auth/login').send({ login: 'admin', password });
    expect(login.status).toBe(200);
    await apps.pop()!.close();

    const second = await printed(() => createTestApp({ DATABASE_URL: url }));
    apps.push(second.value);
    expect(second.lines.join('\n')).not.toContain('generated password');
    expect(second.lines.join('\n')).not.toContain(password);
    expect(await second.value.db.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 1 }]);
  });

  it('creates exactly one admin when several instances start at once', async () => {
    const url = await createTestDatabase();
    databases.push(url);
    const { value: started, lines } = await printed(() => Promise.all([1, 2, 3].map(() => createTestApp({ DATABASE_URL: url }))));
    apps.push(...started);
    expect(await started[0].db.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 1 }]);
    expect(lines.filter((l) => l.includes('generated password'))).toHaveLength(1);
    // And the race inside one process, through the service itself.
    await started[0].db.query(`DELETE FROM users`);
    const runs = await printed(() => Promise.all(started.map((s) => s.app.get(AdminBootstrap).run())));
    expect(runs.value.filter((r) => r.created)).toHaveLength(1);
    expect(await started[0].db.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 1 }]);
  });

  it('does nothing when users exist', async () => {
    const t = await createTestApp({ ADMIN_PASSWORD: 'the-admin-password' });
    apps.push(t);
    const result = await t.app.get(AdminBootstrap).run();
    expect(result).toEqual({ created: false });
  });

  it('refuses to start with an ADMIN_PASSWORD outside 8-128 characters', async () => {
    const url = await createTestDatabase();
    databases.push(url);
    await expect(createTestApp({ DATABASE_URL: url, ADMIN_PASSWORD: 'short' })).rejects.toThrow(/ADMIN_PASSWORD/);
  });
});
