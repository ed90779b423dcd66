import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectErrorShape, type TestApp } from '../support/app.js';

describe('error shapes (§2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT: '2kb' });
  });
  afterAll(() => t.close());

  it('answers an unknown route with 404 route', async () => {
    const res = await t.http.get('/v1/nowhere');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
    expect(res.body.details).toEqual({ resource_type: 'route', resource_id: '/v1/nowhere' });
    expect(res.body.message).toBe('The requested resource was not found');
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const res = await t.http.delete('/health/live');
    expect(res.status).toBe(405);
    expectErrorShape(res.body, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('answers an over-limit body with 413 and the limit', async () => {
    const res = await t.http.post('/health/live').set('Content-Type', 'application/json').send(JSON.stringify({ a: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expectErrorShape(res.body, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.body.details).toEqual({ limit_bytes: 2048 });
    expect(res.headers['x-request-id']).toBeTruthy();
  });
});
