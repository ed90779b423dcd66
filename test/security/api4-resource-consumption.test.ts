import net from 'node:net';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../dist/server.js';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { bearer, createTestDatabase, dropTestDatabase, expectErrorShape, TEST_JWT_SECRET } from '../support/app.js';
import { rawRequest } from './fuzz/http-client.js';

/**
 * OWASP API4:2023 unrestricted resource consumption, against the real server (its own timeouts):
 * body size, page size, nesting depth, header size and a slow-loris header trickle.
 */
describe('API4 unrestricted resource consumption', () => {
  let server: RunningServer;
  let databaseUrl: string;
  let w: World;
  let auth: Record<string, string>;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    server = await startServer({
      NODE_ENV: 'test', LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET,
      HEADERS_TIMEOUT_MS: '1000', ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1',
    });
    w = await buildWorld(server.app.get(DataSource));
    auth = { ...bearer(w.users.platform.token), 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await server?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const send = (method: string, path: string, body?: string, headers: Record<string, string> = auth) => rawRequest(server.url, method, path, headers, body);

  it('API4 unrestricted resource consumption: a body over 1 MiB is a 413 with the limit, and nothing is stored', async () => {
    const name = 'x'.repeat(1024 * 1024);
    const res = await send('POST', '/v1/orgs', JSON.stringify({ name }));
    expect(res.status).toBe(413);
    const body = JSON.parse(res.body);
    expectErrorShape(body, 413, 'PAYLOAD_TOO_LARGE');
    expect(body.details).toEqual({ limit_bytes: 1024 * 1024 });
    const just = await send('POST', '/v1/orgs', JSON.stringify({ name: 'n'.repeat(101), pad: 'p'.repeat(1024 * 1024 - 200) }));
    expect(just.status).toBe(422);
  });

  it('API4 unrestricted resource consumption: page sizes are bounded to 1–200 on every list', async () => {
    const lists = ['/v1/orgs', `/v1/orgs/${w.orgId}/workspaces`, `/v1/orgs/${w.orgId}/members`, `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/members`];
    for (const path of lists) {
      for (const [limit, status] of [['0', 422], ['201', 422], ['-1', 422], ['1e9', 422], ['99999999999999999999', 422], ['1', 200], ['200', 200]] as const) {
        const res = await send('GET', `${path}?limit=${limit}`);
        expect(res.status, `${path}?limit=${limit}`).toBe(status);
        if (status === 422) expect(JSON.parse(res.body).detail[0].loc, path).toEqual(['query', 'limit']);
      }
    }
  });

  it('API4 unrestricted resource consumption: preferences and settings over 16 KiB are a 422, and the stored ones stay as they were', async () => {
    const me = w.users.member;
    const mine = { ...bearer(me.token), 'content-type': 'application/json' };
    const big = { blob: 'x'.repeat(16 * 1024) };
    const patch = await send('PATCH', '/v1/users/me/preferences', JSON.stringify({ preferences: big }), mine);
    expect(patch.status).toBe(422);
    expect(JSON.parse(patch.body).detail[0].loc).toEqual(['body', 'preferences']);
    for (const field of ['preferences', 'settings']) {
      const put = await send('PUT', `/v1/users/${me.user_id}`, JSON.stringify({ [field]: big }), mine);
      expect(put.status, field).toBe(422);
    }
    // Many small merges cannot grow the stored document past the limit either.
    let last = 0;
    for (let i = 0; i < 6; i++) {
      last = (await send('PATCH', '/v1/users/me/preferences', JSON.stringify({ preferences: { [`k${i}`]: 'y'.repeat(4000) } }), mine)).status;
    }
    expect(last).toBe(422);
    const [row] = await server.app.get(DataSource).query(`SELECT octet_length(preferences::text) AS size FROM users WHERE user_id = $1`, [me.user_id]);
    expect(row.size).toBeLessThanOrEqual(16 * 1024);
  });

  it('API4 unrestricted resource consumption: JSON nested thousands deep is a 422 json_invalid, not a stack overflow', async () => {
    for (const depth of [300, 5_000, 100_000]) {
      const res = await send('POST', '/v1/orgs', `{"name":"n","x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      expect(res.status, String(depth)).toBe(422);
      expect(JSON.parse(res.body).detail[0]).toMatchObject({ type: 'json_invalid', ctx: { error: 'Maximum nesting depth exceeded' } });
    }
    const shallow = await send('POST', '/v1/orgs', `{"name":"Nested ok","x":${'['.repeat(200)}${']'.repeat(200)}}`);
    expect(shallow.status).toBe(201);
  });

  it('API4 unrestricted resource consumption: headers over 16 KiB are refused (431) and the server keeps serving', async () => {
    const res = await send('GET', `/v1/orgs?search=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    const huge = await send('GET', '/v1/orgs', undefined, { ...auth, 'x-padding': 'p'.repeat(20_000) });
    expect(huge.status).toBe(431);
    expect((await send('GET', '/v1/orgs')).status).toBe(200);
  });

  it('API4 unrestricted resource consumption: a slow-loris header trickle is cut by the headers timeout', async () => {
    const started = Date.now();
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const header = `GET /v1/orgs HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(10_000)}`;
    let sent = 0;
    const trickle = setInterval(() => socket.writable && socket.write(header[sent++ % header.length]), 50);
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(trickle);
    const elapsed = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_000);
    expect((await send('GET', '/health/live')).status).toBe(200);
  });
});
