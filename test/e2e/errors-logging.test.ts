import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs, createTestApp, type TestApp } from '../support/app.js';
import { ProbeModule } from '../support/probe.module.js';

// What reaches the log: the service's own pino output, captured at its destination.
describe('request logs', () => {
  let t: TestApp;
  let lines: string[] = [];
  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    t = await createTestApp({ LOG_LEVEL: 'info' }, { modules: [ProbeModule] });
    lines = captureLogs(t);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    lines.length = 0;
  });

  it('logs a 500 with its request id and cause, while the client sees neither', async () => {
    const res = await t.http.get('/probe/errors/oops').set('X-Request-ID', 'trace-500');
    expect(res.status).toBe(500);
    const entry = logged().find((l) => l.msg === 'unhandled error');
    expect(entry).toMatchObject({ level: 50, req_id: 'trace-500', method: 'GET', path: '/probe/errors/oops', err: { message: expect.stringContaining('boom') } });
    expect(entry!.err.stack).toContain('ProbeController');
    const access = logged().find((l) => l.req?.url === '/probe/errors/oops');
    expect(access).toMatchObject({ level: 50, req: { id: 'trace-500', method: 'GET' }, res: { statusCode: 500 } });
  });

  it('never logs a password from a login-like body, nor the Authorization header', async () => {
    const password = 'hunter2-very-secret-password';
    const token = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.signature-secret';
    for (const url of ['/probe/login', '/v1/auth/login']) {
      await t.http.post(url).set('Authorization', `Bearer ${token}`).set('X-Request-ID', 'login-req').send({ login: 'alice', password });
    }
    await t.http.post('/probe/login').set('Authorization', `Bearer ${token}`).send({ login: 'alice', password: 12345678 });
    const text = lines.join('');
    expect(text).not.toContain(password);
    expect(text).not.toContain(token);
    expect(text).not.toContain('12345678');
    const probe = logged().find((l) => l.req?.url === '/probe/login');
    expect(probe).toMatchObject({ req: { id: 'login-req', method: 'POST', headers: { authorization: '[REDACTED]' } }, res: { statusCode: 401 } });
  });

  it('writes one line per request, and none for health and metrics probes', async () => {
    await t.http.get('/health/live');
    await t.http.get('/metrics');
    await t.http.get('/v1/users/me').set('X-Request-ID', 'me-req').set('User-Agent', 'probe-agent/1');
    const access = logged().filter((l) => l.req);
    expect(access).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        req: { id: 'me-req', method: 'GET', url: '/v1/users/me', headers: { 'user-agent': 'probe-agent/1' } },
        res: { statusCode: 401 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('scrubs credentials from query strings', async () => {
    await t.http.get('/probe/items?limit=1&order=asc&access_token=qs-secret-1&password=qs-secret-2');
    const entry = logged().find((l) => l.req?.url?.startsWith('/probe/items'));
    expect(entry!.req.url).toBe('/probe/items?limit=1&order=asc&access_token=[REDACTED]&password=[REDACTED]');
    expect(lines.join('')).not.toContain('qs-secret');
  });
});
