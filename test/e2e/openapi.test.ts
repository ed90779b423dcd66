import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { examplesOf, OpenApiResponseChecker, operationsOf, type Operation } from '../support/openapi.js';

/** The operations that answer without a token; everything else needs one. */
const PUBLIC = [
  'POST /v1/auth/login',
  'POST /v1/auth/token',
  'POST /v1/auth/refresh',
  'POST /v1/auth/verify-email',
  'POST /v1/auth/password-reset/request',
  'POST /v1/auth/password-reset',
  'GET /health/live',
  'GET /health/ready',
];
/** Answers 200 to a signed-in invitee and 201 when it opens a new account: both documented. */
const TWO_SUCCESSES = new Set(['POST /v1/invitations/accept']);
/** Public when present: it only publishes the public half of an RS256 key pair. */
const OPTIONALLY_PUBLIC = ['GET /.well-known/jwks.json', 'GET /.well-known/authzen-configuration'];

const ERROR_REF = '#/components/schemas/ErrorResponse';
const VALIDATION_REF = '#/components/schemas/ValidationErrorResponse';

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: any;
  let operations: Operation[];

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.http.get('/openapi.json').expect(200);
    document = res.body;
    operations = operationsOf(document);
  });
  afterAll(() => t.close());

  it('is served without a token, with the Swagger UI next to it', async () => {
    expect(document.openapi).toMatch(/^3\./);
    const ui = await t.http.get('/docs').redirects(1).expect(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.text).toContain('swagger-ui');
  });

  it('is where the bare address sends a browser: GET / redirects to /docs, and is no operation of the document', async () => {
    const res = await t.http.get('/').redirects(0).expect(302);
    expect(res.headers.location).toBe('/docs');
    expect(Object.keys(document.paths)).not.toContain('/');
  });

  it('passes @apidevtools/swagger-parser validation with zero errors', async () => {
    const errors = await SwaggerParser.validate(structuredClone(document)).then(
      () => [],
      (error: { details?: unknown[]; message: string }) => error.details ?? [error.message],
    );
    expect(errors).toEqual([]);
  });

  it('declares the bearer scheme and the OAuth2 password flow at /v1/auth/token', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.components.securitySchemes.oauth2).toMatchObject({
      type: 'oauth2',
      flows: { password: { tokenUrl: '/v1/auth/token' } },
    });
  });

  it('describes the service: every public operation, and the users, organizations, workspaces and members', () => {
    const names = new Set(operations.map((o) => o.name));
    for (const name of [...PUBLIC, 'GET /v1/users/me', 'GET /v1/users', 'POST /v1/orgs', 'GET /v1/orgs/{org_id}/workspaces/{workspace_id}/members']) {
      expect(names, name).toContain(name);
    }
  });

  it('gives every operation a unique operationId and a summary', () => {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const { name, operation } of operations) {
      const id = operation.operationId;
      if (typeof id !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(id)) problems.push(`${name}: operationId ${String(id)}`);
      else if (seen.has(id)) problems.push(`${name}: operationId ${id} also used by ${seen.get(id)}`);
      else seen.set(id, name);
      if (typeof operation.summary !== 'string' || operation.summary.trim().length === 0) problems.push(`${name}: no summary`);
    }
    expect(problems).toEqual([]);
  });

  it('documents one success response per operation, with a JSON schema unless it is 204 (or an empty 202)', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (!response.description?.trim()) problems.push(`${name}: ${status} has no description`);
      }
      const success = Object.keys(operation.responses).filter((s) => /^2\d\d$/.test(s));
      if (success.length !== (TWO_SUCCESSES.has(name) ? 2 : 1)) problems.push(`${name}: success responses ${success.join(', ') || 'none'}`);
      for (const status of success) {
        const content = operation.responses[status].content;
        if (status === '204' || (status === '202' && !content)) {
          if (content) problems.push(`${name}: 204 with a body`);
        } else if (!hasSchema(content?.['application/json']?.schema)) {
          problems.push(`${name}: ${status} without a JSON schema`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents every error response as a $ref to ErrorResponse, or ValidationErrorResponse for 422', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (Number(status) < 400) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        const expected = status === '422' ? VALIDATION_REF : ERROR_REF;
        if (ref !== expected) problems.push(`${name}: ${status} is ${JSON.stringify(response.content ?? null)}, expected $ref ${expected}`);

      }
    }
    expect(problems).toEqual([]);
    for (const ref of [ERROR_REF, VALIDATION_REF]) expect(document.components.schemas[ref.split('/').pop()!]).toBeDefined();
  });

  it('shows an example of its own status for every error response, valid against its schema', () => {
    const checker = new OpenApiResponseChecker(document);
    const problems: string[] = [];
    for (const { name, method, path, operation } of operations) {
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (Number(status) < 400) continue;
        const examples = examplesOf(response);
        if (examples.length === 0) problems.push(`${name}: ${status} has no example`);
        for (const example of examples) {
          if (status !== '422' && example.status_code !== Number(status)) problems.push(`${name}: ${status} example says ${example.status_code}`);
          const body = JSON.stringify(example);
          const problem = checker.check({ method: method.toUpperCase(), url: path, status: Number(status), contentType: 'application/json', body });
          if (problem) problems.push(problem);
        }
      }
      const permission = operation['x-required-permission'];
      const forbidden = examplesOf(operation.responses['403'])[0];
      if (permission && forbidden?.details?.required_permission !== permission) problems.push(`${name}: 403 example does not name ${permission}`);
    }
    expect(problems).toEqual([]);
  });

  it('declares bearer, OAuth2 and API key security, and 401, on every operation except the public ones', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      const security: Record<string, string[]>[] = operation.security ?? [];
      if (PUBLIC.includes(name) || OPTIONALLY_PUBLIC.includes(name)) {
        if (security.length > 0) problems.push(`${name}: public, yet declares ${JSON.stringify(security)}`);
        continue;
      }
      const schemes = security.flatMap((requirement) => Object.keys(requirement)).sort();
      if (schemes.join(',') !== 'api_key,bearer,oauth2') problems.push(`${name}: security ${JSON.stringify(security)}`);
      if (!operation.responses['401']) problems.push(`${name}: no 401`);
    }
    expect(problems).toEqual([]);
  });

  it('documents the 403 of every permission-checked operation with the permission it needs', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      const permission = operation['x-required-permission'];
      if (permission === undefined) continue;
      if (!/^[a-z_]+:[a-z_*]+$/.test(permission)) problems.push(`${name}: permission ${permission}`);
      if (!operation.responses['403']?.description?.includes(permission)) problems.push(`${name}: 403 does not name ${permission}`);
    }
    expect(problems).toEqual([]);
    expect(operations.filter((o) => o.operation['x-required-permission']).length).toBeGreaterThan(0);
  });

  it('documents every parameter with a schema (ids as UUIDs, limits 1–200), no Authorization parameter, and 422 wherever input is validated', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        if (!hasSchema(parameter.schema)) problems.push(`${name}: parameter ${parameter.name} has no schema`);
        if (parameter.in === 'path' && !parameter.required) problems.push(`${name}: path parameter ${parameter.name} not required`);
        if (/(^|_)id$/.test(parameter.name) && parameter.schema?.format !== 'uuid') problems.push(`${name}: ${parameter.name} is not format uuid`);
      }
      const parameters = operation.parameters ?? [];
      if (parameters.some((p: any) => p.in === 'header' && p.name.toLowerCase() === 'authorization')) problems.push(`${name}: Authorization as a parameter`);
      const limit = parameters.find((p: any) => p.in === 'query' && p.name === 'limit');
      // The events feed pages at most 100 events at a time; every other list 200 rows.
      const max = /\/events$/.test(name.split(' ').pop() ?? '') ? 100 : 200;
      if (limit && !(limit.schema.type === 'integer' && limit.schema.minimum === 1 && limit.schema.maximum === max)) {
        problems.push(`${name}: limit is ${JSON.stringify(limit.schema)}, expected an integer from 1 to 200`);
      }
      // Conditional-request headers are compared, never validated: only path, query and body answer 422.
      const validated = parameters.some((p: any) => p.in !== 'header') || operation.requestBody !== undefined;
      if (validated && !operation.responses['422']) problems.push(`${name}: validates input but documents no 422`);
      if (operation.requestBody && !operation.responses['413']) problems.push(`${name}: takes a body but documents no 413`);
    }
    expect(problems).toEqual([]);
  });
});

function hasSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && Object.keys(schema).length > 0;
}
