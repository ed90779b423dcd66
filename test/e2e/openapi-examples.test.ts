import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { examplesOf, operationsOf, type Operation } from '../support/openapi.js';

/** What a 404 of a path or query parameter names as its `resource_type`. */
const RESOURCE_OF_PARAMETER: Record<string, string> = {
  org_id: 'organization', workspace_id: 'workspace', member_user_id: 'member', user_id: 'user', invitation_id: 'invitation', key_id: 'api_key', webhook_id: 'webhook',
};
/** Permissions as the service spells them; never a placeholder such as `resource:action`. */
const PERMISSION = /^(users|orgs|workspaces|members|org_members|invitations|api_keys|authz|events|audit|webhooks):(read|create|update|delete|add|remove|manage|manage_owners|accept|check)$/;

describe('the examples and names of the OpenAPI document', () => {
  let t: TestApp;
  let document: any;
  let operations: Operation[];

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http.get('/openapi.json').expect(200)).body;
    operations = operationsOf(document);
  });
  afterAll(() => t.close());

  const resolve = (schema: any): any => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema);

  /**
   * The request body the Swagger UI fills in, built from the schema the way it does: a schema's own
   * `example`, else its default or first enum value, else a placeholder by type (`"string"` for a
   * string of no known format, `additionalProp1` for a free-form object).
   */
  function sample(given: any): unknown {
    const schema = resolve(given) ?? {};
    if (schema.example !== undefined) return schema.example;
    if (schema.default !== undefined) return schema.default;
    if (schema.enum) return schema.enum[0];
    const branches = schema.allOf ?? schema.oneOf ?? schema.anyOf;
    if (branches) return sample(branches[0]);
    if (schema.type === 'array') return [sample(schema.items)];
    if (schema.type === 'object' || schema.properties) {
      const body: Record<string, unknown> = {};
      for (const [key, property] of Object.entries<any>(schema.properties ?? {})) if (!resolve(property).readOnly) body[key] = sample(property);
      if (schema.additionalProperties) body.additionalProp1 = sample(schema.additionalProperties === true ? {} : schema.additionalProperties);
      return body;
    }
    if (schema.type === 'string') return { email: 'user@example.com', uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', 'date-time': '2025-01-01T00:00:00Z', uri: 'https://example.com/' }[schema.format as string] ?? 'string';
    return { integer: 0, number: 0, boolean: true }[schema.type as string] ?? {};
  }

  it('offers request bodies with realistic values: no "string" placeholder and no additionalProp1 key', () => {
    const problems: string[] = [];
    const placeholder = (body: unknown) => /"string"|"additionalProp\d"/.test(JSON.stringify(body));
    for (const { name, operation } of operations) {
      for (const [mediaType, media] of Object.entries<any>(operation.requestBody?.content ?? {})) {
        const bodies = [sample(media.schema), media.example, ...Object.values<any>(media.examples ?? {}).map((e) => e.value)].filter((b) => b !== undefined);
        for (const body of bodies) if (placeholder(body)) problems.push(`${name} (${mediaType}): ${JSON.stringify(body)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(operations.filter((o) => o.operation.requestBody).length).toBeGreaterThan(10);
  });

  it("shows each operation's own permission in its 403 examples, first", () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      const forbidden = examplesOf(operation.responses['403']);
      const own = operation['x-required-permission'];
      if (operation.responses['403'] && forbidden.length === 0) problems.push(`${name}: 403 without an example`);
      // An operation about the caller as a person declares no permission: its 403 is an organization key's refusal.
      const permissions = forbidden.filter((example) => !example.details.required_principal).map((example) => example.details.required_permission);
      if (!own && forbidden.some((example) => example.details.required_principal !== 'user' && !example.details.required_permission)) problems.push(`${name}: 403 names neither`);
      for (const permission of permissions) if (!PERMISSION.test(permission)) problems.push(`${name}: 403 names ${permission}`);
      if (own && permissions[0] !== own) problems.push(`${name}: first 403 example names ${permissions[0]}, not ${own}`);
    }
    expect(problems).toEqual([]);
  });

  it('shows "Invalid credentials" as the 401 of the login and token operations', () => {
    for (const path of ['/v1/auth/login', '/v1/auth/token']) {
      const [first] = examplesOf(document.paths[path].post.responses['401']);
      expect(first, path).toMatchObject({ error: 'AUTHENTICATION_FAILED', message: 'Invalid credentials', status_code: 401 });
    }
  });

  it("names in each 404 example a resource type the operation's parameters refer to, the innermost first", () => {
    const problems: string[] = [];
    for (const { name, path, operation } of operations) {
      const notFound = examplesOf(operation.responses['404']);
      if (notFound.length === 0) continue;
      const parameters = (operation.parameters ?? []).filter((p: any) => RESOURCE_OF_PARAMETER[p.name]);
      const allowed = new Set(parameters.map((p: any) => RESOURCE_OF_PARAMETER[p.name]));
      const body = resolve(operation.requestBody?.content?.['application/json']?.schema)?.properties;
      if (body?.user_id) allowed.add('user');
      // A token in the body names what it looks up: an invitation, or a mailed link.
      const tokenResource = path.startsWith('/v1/invitations') ? 'invitation' : 'token';
      if (body?.token) allowed.add(tokenResource);
      const innermost = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).pop() ?? parameters[0]?.name;
      const expected = RESOURCE_OF_PARAMETER[innermost] ?? (body?.token ? tokenResource : undefined);
      const types = notFound.map((example) => example.details.resource_type);
      for (const type of types) if (!allowed.has(type)) problems.push(`${name}: 404 names ${type}`);
      if (types[0] !== expected) problems.push(`${name}: first 404 names ${types[0]}, expected ${expected}`);
    }
    expect(problems).toEqual([]);
  });

  it('gives each 409 example its own message and the field or reason of the conflict', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations) {
      if (!operation.responses['409']) continue;
      const conflicts = examplesOf(operation.responses['409']);
      if (conflicts.length === 0) problems.push(`${name}: 409 without an example`);
      for (const { message, details } of conflicts) {
        if (message === 'The resource conflicts with an existing one' || !(details.field || details.reason)) problems.push(`${name}: 409 ${JSON.stringify({ message, details })}`);
      }
    }
    expect(problems).toEqual([]);
    const createUser = examplesOf(document.paths['/v1/users'].post.responses['409']).map((e) => e.message);
    expect(createUser).toEqual(['A user with this email already exists', 'A user with this username already exists', 'A request with this Idempotency-Key is still in progress']);
  });

  it('declares every tag it uses, each with a description, in one lower-case style', () => {
    const declared = new Map<string, string>((document.tags ?? []).map((tag: any) => [tag.name, tag.description]));
    const used = new Set(operations.flatMap((o) => o.operation.tags ?? []));
    expect(operations.filter((o) => (o.operation.tags ?? []).length !== 1).map((o) => o.name)).toEqual([]);
    for (const tag of used) {
      expect(tag).toMatch(/^[a-z]+$/);
      expect(declared.get(tag)?.trim(), tag).toBeTruthy();
    }
    expect([...declared.keys()].sort()).toEqual([...used].sort());
  });

  it('names every schema of a request or response body …Request or …Response', () => {
    const names = new Set<string>();
    for (const { operation } of operations) {
      const media = [operation.requestBody, ...Object.values<any>(operation.responses)].flatMap((part) => Object.values<any>(part?.content ?? {}));
      for (const { schema } of media) {
        const ref: string | undefined = schema?.$ref ?? schema?.items?.$ref;
        if (ref) names.add(ref.split('/').pop()!);
      }
    }
    expect([...names].filter((n) => !/(Request|Response)$/.test(n))).toEqual([]);
    expect(names).toContain('CreateOrganizationRequest');
  });
});
