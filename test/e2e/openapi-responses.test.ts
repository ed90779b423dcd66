import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { OpenApiResponseChecker, type OpenApiDocument, type SentResponse } from '../support/openapi.js';
import { ResponseValidation } from '../support/openapi-hook.js';

const json = 'application/json; charset=utf-8';
const errorBody = (status: number, error: string, details: object = {}) =>
  JSON.stringify({ error, message: 'm', details, timestamp: '2025-01-01T00:00:00.000000', status_code: status });
const sent = (fields: Partial<SentResponse>): SentResponse => ({ method: 'GET', url: '/', status: 200, contentType: json, body: '', ...fields });

describe('the response check against the service document', () => {
  let t: TestApp;
  let checker: OpenApiResponseChecker;

  beforeAll(async () => {
    t = await createTestApp();
    checker = new OpenApiResponseChecker((await t.http.get('/openapi.json')).body);
  });
  afterAll(() => t.close());

  it('accepts an unknown route answered with the standard 404', () => {
    const body = errorBody(404, 'RESOURCE_NOT_FOUND', { resource_type: 'route', resource_id: '/v1/nowhere' });
    expect(checker.check(sent({ url: '/v1/nowhere?x=1', status: 404, body }))).toBeUndefined();
  });

  it('refuses a success from a route the document does not describe', () => {
    expect(checker.check(sent({ url: '/v1/secret-admin', body: '{}' }))).toMatch(/undocumented route/);
  });

  it('refuses an error from an unknown route that is not in the standard shape', () => {
    expect(checker.check(sent({ url: '/v1/nowhere', status: 404, body: '{"message":"Cannot GET /v1/nowhere"}' }))).toMatch(/must have required property/);
  });

  it('refuses a status the operation does not document', () => {
    expect(checker.check(sent({ url: '/health/ready', status: 418, body: errorBody(418, 'TEAPOT') }))).toMatch(/status 418 is not documented for GET \/health\/ready/);
  });

  it('refuses a body that does not match the documented schema, naming the field', () => {
    const body = JSON.stringify({ status: 'ok', info: {}, error: {}, details: 'none' });
    expect(checker.check(sent({ url: '/health/ready', body }))).toMatch(/body\/details must be object/);
  });

  it('refuses a property the document does not name (object schemas are closed)', () => {
    const body = JSON.stringify({ ...JSON.parse(errorBody(404, 'RESOURCE_NOT_FOUND')), stack: 'at …' });
    expect(checker.check(sent({ url: '/v1/nowhere', status: 404, body }))).toMatch(/must NOT have additional properties/);
  });

  it('refuses an error body whose status_code is not the HTTP status', () => {
    expect(checker.check(sent({ url: '/v1/nowhere', status: 404, body: errorBody(500, 'RESOURCE_NOT_FOUND') }))).toMatch(/status_code 500 differs/);
  });

  it('checks a 422 from an undocumented method against the validation shape', () => {
    const body = JSON.stringify({ detail: [{ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error', input: {}, ctx: { error: 'x' } }] });
    expect(checker.check(sent({ method: 'POST', url: '/health/live', status: 422, body }))).toBeUndefined();
    expect(checker.check(sent({ method: 'POST', url: '/health/live', status: 422, body: '{"detail":"bad"}' }))).toMatch(/detail must be array/);
  });

  it('lets the Swagger UI assets and the metrics text through', () => {
    expect(checker.check(sent({ url: '/docs/swagger-ui.css', contentType: 'text/css', body: 'body{}' }))).toBeUndefined();
    expect(checker.check(sent({ url: '/metrics', contentType: 'text/plain', body: '# HELP' }))).toBeUndefined();
  });
});

/** A tiny document and a plain server, to see the hook itself fail a request and a closing test app. */
describe('the response hook', () => {
  const document: OpenApiDocument = {
    paths: {
      '/things/{id}': {
        get: {
          operationId: 'getThing',
          responses: {
            200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            204: { description: 'empty' },
          },
        },
      },
    },
    components: { schemas: { Thing: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } } },
  };
  let server: Server;
  let validation: ResponseValidation;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const [, , id] = (req.url ?? '').split('/');
      if (id === 'empty') return void res.writeHead(204).end();
      res.setHeader('Content-Type', json);
      res.end(JSON.stringify({ id }));
    });
    validation = ResponseValidation.forServer(server, document);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('passes a matching response and fails a mismatching one with the reason', async () => {
    const http = validation.http(server);
    await http.get('/things/3fa85f64-5717-4562-b3fc-2c963f66afa6').expect(200);
    await http.get('/things/empty').expect(204);
    await expect(http.get('/things/not-a-uuid')).rejects.toThrow(/GET \/things\/not-a-uuid answered 200.*body\/id must match format "uuid"/s);
    await expect(http.get('/things/x').expect(200)).rejects.toThrow(/must match format "uuid"/);
  });

  it('lets the test’s own expectation speak first', async () => {
    await expect(validation.http(server).get('/things/x').expect(201)).rejects.toThrow(/expected 201 "Created", got 200 "OK"/);
  });

  it('catches responses to any other client when the test app closes', async () => {
    expect(() => validation.assertClean()).not.toThrow();
    const res = await fetch(`${url}/things/also-not-a-uuid`);
    expect(res.status).toBe(200);
    expect(() => validation.assertClean()).toThrow(/GET \/things\/also-not-a-uuid answered 200/);
    expect(() => validation.assertClean()).not.toThrow();
  });
});
