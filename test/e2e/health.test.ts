import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { ProbeModule } from '../support/probe.module.js';

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { modules: [ProbeModule] });
  });
  afterAll(() => t.close());

  it('answers liveness and readiness without a token', async () => {
    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    const up = { status: 'up', responseTime: expect.any(Number) };
    if (!inject('replicaServerUrl')) {
      expect(ready.body).toEqual({ status: 'ok', info: { database: up }, error: {}, details: { database: up } });
      return;
    }
    // Run with a replica (TEST_WITH_REPLICA=1): it is listed too, as up or catching up.
    expect(ready.body.details.database).toEqual(up);
    expect(ready.body.details.replica_1).toMatchObject({ state: expect.stringMatching(/^(up|lagging|down)$/) });
  });

  it('exposes request counts and durations by route template, and the pool figures', async () => {
    await t.http.get('/health/ready');
    await t.http.get('/probe/errors/404');
    await t.http.get('/probe/errors/409');
    await t.http.get('/no/such/route');
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.text;
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/health\/ready",status="200"\} [1-9]/m);
    // One series per template, whatever the concrete path was.
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/probe\/errors\/:status",status="404"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/probe\/errors\/:status",status="409"\} 1$/m);
    expect(text).not.toContain('/no/such/route');
    expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/health\/ready",status="200"\} \d+$/m);
    expect(text).toMatch(/^db_pool_connections_total [1-9]\d*$/m);
    expect(text).toMatch(/^db_pool_connections_idle \d+$/m);
    expect(text).toMatch(/^db_pool_requests_waiting 0$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('serves the Swagger UI and the OpenAPI document', async () => {
    const docs = await t.http.get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
    expect(docs.text).toContain('swagger-ui');
    const spec = await t.http.get('/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(spec.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.body.paths['/health/ready']).toBeDefined();
    expect(spec.body.paths['/metrics']).toBeUndefined();
  });
});
