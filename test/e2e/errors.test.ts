import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { ProbeModule } from '../support/probe.module.js';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The whole standard error body, key for key; only the timestamp is matched by its form. */
function errorBody(status: number, error: string, message: string, details: Record<string, unknown> = {}) {
  return { error, message, details, timestamp: expect.stringMatching(TIMESTAMP), status_code: status };
}

describe('error shapes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT: '2kb' }, { modules: [ProbeModule] });
  });
  afterAll(() => t.close());

  it('answers an unknown route with 404 route, as JSON', async () => {
    const res = await t.http.get('/v1/nowhere?x=1');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual(errorBody(404, 'RESOURCE_NOT_FOUND', 'The requested resource was not found', { resource_type: 'route', resource_id: '/v1/nowhere' }));
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const res = await t.http.delete('/health/ready');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body).toEqual(
      errorBody(405, 'METHOD_NOT_ALLOWED', 'Method DELETE is not allowed on /health/ready', { method: 'DELETE', allowed_methods: ['GET', 'HEAD'] }),
    );
    const post = await t.http.put('/probe/items');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('is not misled by the catch-all middleware routes into 405 on unknown paths', async () => {
    for (const method of ['get', 'post', 'patch', 'delete'] as const) {
      const res = await t.http[method]('/v1/deep/unknown/path');
      expect(res.status).toBe(404);
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it('answers an over-limit body with 413 and the limit, before any route is looked at', async () => {
    const res = await t.http.post('/health/live').set('Content-Type', 'application/json').send(JSON.stringify({ a: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual(errorBody(413, 'PAYLOAD_TOO_LARGE', 'Request body exceeds 2048 bytes', { limit_bytes: 2048 }));
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('answers 401 with WWW-Authenticate, from the JWT guard and from a thrown error alike', async () => {
    const guarded = await t.http.get('/probe-private');
    expect(guarded.status).toBe(401);
    expect(guarded.headers['www-authenticate']).toBe('Bearer');
    expect(guarded.body).toEqual(errorBody(401, 'AUTHENTICATION_FAILED', 'Authentication required'));
    const thrown = await t.http.get('/probe/errors/401');
    expect(thrown.headers['www-authenticate']).toBe('Bearer');
    expect(thrown.body).toEqual(errorBody(401, 'AUTHENTICATION_FAILED', 'Authentication required'));
  });

  it.each([
    ['403', errorBody(403, 'FORBIDDEN', "You don't have permission to perform this action", { required_permission: 'members:add' })],
    ['404', errorBody(404, 'RESOURCE_NOT_FOUND', 'The requested resource was not found', { resource_type: 'user', resource_id: 'a3bb189e-8bf9-3888-9912-ace4e6543002' })],
    ['409', errorBody(409, 'RESOURCE_CONFLICT', 'A user with this email already exists', { resource_type: 'user', field: 'email' })],
  ])('answers %s in the standard shape', async (status, body) => {
    const res = await t.http.get(`/probe/errors/${status}`);
    expect(res.status).toBe(Number(status));
    expect(res.body).toEqual(body);
  });

  it('answers 429 with the wait in details and Retry-After', async () => {
    const res = await t.http.get('/probe/errors/429');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('43');
    expect(res.body).toEqual(errorBody(429, 'RATE_LIMITED', 'Too many requests', { retry_after_seconds: 43 }));
  });

  it('answers 503 with Retry-After', async () => {
    const res = await t.http.get('/probe/errors/503');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual(errorBody(503, 'SERVICE_UNAVAILABLE', 'Database unavailable'));
  });

  it('answers an unexpected error with a 500 that hides every internal', async () => {
    const res = await t.http.get('/probe/errors/oops');
    expect(res.status).toBe(500);
    expect(res.body).toEqual(errorBody(500, 'INTERNAL_SERVER_ERROR', 'An unexpected error occurred'));
    expect(res.text).not.toMatch(/boom|password_hash|SELECT|at .*\.js/);
  });
});

describe('request id', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { modules: [ProbeModule] });
  });
  afterAll(() => t.close());

  it('echoes a sane X-Request-ID', async () => {
    for (const id of ['abc-123', 'req_7f3a.b:c', 'x'.repeat(128), '0b3e7c1e-2f1a-4b9e-9a59-5b1c2d3e4f50']) {
      const res = await t.http.get('/health/live').set('X-Request-ID', id);
      expect(res.headers['x-request-id']).toBe(id);
    }
  });

  it('generates one when it is absent or not sane', async () => {
    const absent = await t.http.get('/health/live');
    expect(absent.headers['x-request-id']).toMatch(UUID);
    for (const id of ['has space', 'x'.repeat(129), 'semi;colon', '<script>', '']) {
      const res = await t.http.get('/health/live').set('X-Request-ID', id);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
  });

  it('is on every error response too', async () => {
    expect((await t.http.get('/nowhere').set('X-Request-ID', 'r-404')).headers['x-request-id']).toBe('r-404');
    expect((await t.http.get('/probe/errors/oops').set('X-Request-ID', 'r-500')).headers['x-request-id']).toBe('r-500');
    expect((await t.http.get('/probe/items?limit=x').set('X-Request-ID', 'r-422')).headers['x-request-id']).toBe('r-422');
  });
});

describe('malformed JSON (json_invalid)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { modules: [ProbeModule] });
  });
  afterAll(() => t.close());

  const path = '/probe/items/0b3e7c1e-2f1a-4b9e-9a59-5b1c2d3e4f50/versions/1?limit=5&order=asc';

  it.each([
    ['{"username": "abc",}', 18, 'Illegal trailing comma before end of object'],
    ['{"username": }', 13, 'Expecting value'],
    ['{"username": "abc"', 18, "Expecting ',' delimiter"],
    ['not json', 0, 'Expecting value'],
    ['{"a": 1} {"b": 2}', 9, 'Extra data'],
  ])('%j → 422 json_invalid at ["body", %i]', async (text, offset, reason) => {
    const res = await t.http.post(path).set('Content-Type', 'application/json').send(text);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ type: 'json_invalid', loc: ['body', offset], msg: 'JSON decode error', input: {}, ctx: { error: reason } }] });
  });

  it('counts the offset in characters, not bytes', async () => {
    const res = await t.http.post(path).set('Content-Type', 'application/json; charset=utf-8').send('{"naïve": "😀", }');
    expect(res.body.detail[0].loc).toEqual(['body', 13]);
  });

  it('treats valid JSON that is not an object as a validation problem, not a parse error', async () => {
    const res = await t.http.post(path).set('Content-Type', 'application/json').send('"just text"');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: 'just text' }],
    });
  });

  it('reports a missing body as missing', async () => {
    const res = await t.http.post(path);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  });
});
