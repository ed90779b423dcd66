import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { operationsOf, type Operation } from '../support/openapi.js';

/** Every operation on one resource: reads answer 304, writes take If-Match. */
const SINGLE_RESOURCE = [
  'GET /v1/users/me', 'PATCH /v1/users/me/preferences',
  'GET /v1/users/{user_id}', 'PUT /v1/users/{user_id}', 'DELETE /v1/users/{user_id}',
  'GET /v1/orgs/{org_id}', 'PATCH /v1/orgs/{org_id}', 'DELETE /v1/orgs/{org_id}',
  'GET /v1/orgs/{org_id}/workspaces/{workspace_id}', 'PATCH /v1/orgs/{org_id}/workspaces/{workspace_id}', 'DELETE /v1/orgs/{org_id}/workspaces/{workspace_id}',
  'PATCH /v1/orgs/{org_id}/members/{member_user_id}', 'DELETE /v1/orgs/{org_id}/members/{member_user_id}',
  'PATCH /v1/orgs/{org_id}/workspaces/{workspace_id}/members/{member_user_id}', 'DELETE /v1/orgs/{org_id}/workspaces/{workspace_id}/members/{member_user_id}',
  'GET /v1/orgs/{org_id}/webhooks/{webhook_id}', 'PATCH /v1/orgs/{org_id}/webhooks/{webhook_id}', 'DELETE /v1/orgs/{org_id}/webhooks/{webhook_id}',
  'GET /v1/orgs/{org_id}/invitations/{invitation_id}', 'GET /v1/orgs/{org_id}/workspaces/{workspace_id}/invitations/{invitation_id}',
];

const header = (operation: any, name: string) => operation.parameters?.find((p: any) => p.in === 'header' && p.name === name);
const success = (operation: any) => Object.entries<any>(operation.responses).find(([status]) => /^2\d\d$/.test(status))!;

describe('the OpenAPI document: conditional requests and idempotency keys', () => {
  let t: TestApp;
  let operations: Operation[];

  beforeAll(async () => {
    t = await createTestApp();
    operations = operationsOf((await t.http.get('/openapi.json').expect(200)).body);
  });
  afterAll(() => t.close());

  it('documents If-None-Match, 304 and ETag on every single-resource read; If-Match, 412, 428 and ETag on every write', () => {
    const problems: string[] = [];
    const conditional = operations.filter(({ operation }) => header(operation, 'If-None-Match') || header(operation, 'If-Match'));
    expect(conditional.map((o) => o.name).sort()).toEqual([...SINGLE_RESOURCE].sort());
    for (const { name, method, operation } of conditional) {
      const [status, ok] = success(operation);
      if (status !== '204' && !ok.headers?.ETag) problems.push(`${name}: ${status} without ETag`);
      const expected = method === 'get' ? ['304'] : ['412', '428'];
      for (const s of expected) if (!operation.responses[s]) problems.push(`${name}: no ${s}`);
      if (method === 'get' && (operation.responses['304'].content || !operation.responses['304'].headers?.ETag)) problems.push(`${name}: 304 with a body or without ETag`);
      if (method !== 'get' && !operation.responses['412'].content['application/json'].examples) problems.push(`${name}: 412 without an example`);
    }
    expect(problems).toEqual([]);
  });

  it('documents Idempotency-Key on every POST outside /v1/auth, with the replay header, 409 in progress and 422 reused', () => {
    const posts = operations.filter((o) => o.method === 'post' && !o.path.startsWith('/v1/auth/'));
    expect(posts.length).toBeGreaterThanOrEqual(5);
    const problems: string[] = [];
    for (const { name, operation } of posts) {
      if (!header(operation, 'Idempotency-Key')) problems.push(`${name}: no Idempotency-Key`);
      const [, created] = success(operation);
      if (!created.headers?.['Idempotent-Replayed'] || !created.headers?.ETag) problems.push(`${name}: success without Idempotent-Replayed and ETag`);
      const examples = operation.responses['409']?.content['application/json'].examples ?? {};
      if (examples.idempotency_key_in_progress?.value.details.reason !== 'idempotency_key_in_progress') problems.push(`${name}: no 409 in progress`);
      if (!operation.responses['409']?.headers?.['Retry-After']) problems.push(`${name}: 409 without Retry-After`);
      if (!operation.responses['422']?.content['application/json'].examples?.idempotency_key_reused) problems.push(`${name}: no 422 reused`);
    }
    expect(problems).toEqual([]);
    for (const o of operations.filter((x) => x.path.startsWith('/v1/auth/'))) expect(header(o.operation, 'Idempotency-Key')).toBeUndefined();
  });
});
