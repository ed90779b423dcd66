import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { ProbeModule } from '../support/probe.module.js';

// The shared validation (pipe + route-parameter check) on test-only DTOs: the 422 shape.
describe('validation errors from body, query and path', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { modules: [ProbeModule] });
  });
  afterAll(() => t.close());

  const ITEM = '0b3e7c1e-2f1a-4b9e-9a59-5b1c2d3e4f50';
  const validBody = { username: 'alice', email: 'alice@example.com' };

  it('reports every path and query problem together, path first, inputs as sent', async () => {
    const res = await t.http.post('/probe/items/not-a-uuid/versions/0?limit=500&order=sideways&workspace_id=123').send(validBody);
    expect(res.status).toBe(422);
    const uuidReason = 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1';
    expect(res.body).toEqual({
      detail: [
        { type: 'uuid_parsing', loc: ['path', 'item_id'], msg: `Input should be a valid UUID, ${uuidReason}`, input: 'not-a-uuid', ctx: { error: uuidReason } },
        { type: 'greater_than_equal', loc: ['path', 'version'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
        { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', input: '500', ctx: { le: 200 } },
        { type: 'enum', loc: ['query', 'order'], msg: "Input should be 'asc' or 'desc'", input: 'sideways', ctx: { expected: "'asc' or 'desc'" } },
        {
          type: 'uuid_parsing', loc: ['query', 'workspace_id'], msg: 'Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3',
          input: '123', ctx: { error: 'invalid length: expected length 32 for simple format, found 3' },
        },
      ],
    });
  });

  it('gives null as the input of missing query values, and int_parsing for text', async () => {
    const missing = await t.http.get('/probe/items');
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({
      detail: [
        { type: 'missing', loc: ['query', 'limit'], msg: 'Field required', input: null },
        { type: 'missing', loc: ['query', 'order'], msg: 'Field required', input: null },
      ],
    });
    const text = await t.http.get('/probe/items?limit=ten&order=asc');
    expect(text.body.detail).toEqual([
      { type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'ten' },
    ]);
  });

  it('takes the last value of a repeated query parameter, as FastAPI does', async () => {
    const res = await t.http.get('/probe/items?limit=500&limit=7&order=desc&order=asc');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ limit: 7, order: 'asc' });
    const bad = await t.http.get('/probe/items?limit=7&limit=500&order=asc');
    expect(bad.body.detail).toEqual([
      { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', input: '500', ctx: { le: 200 } },
    ]);
  });

  it('reports every body problem together, nested ones with numeric array indexes', async () => {
    const body = {
      email: 'not-an-email',
      timezone: 'Nowhere/City',
      active: 'maybe',
      preferences: [1],
      tags: [{ label: 'ok' }, { label: 1 }, {}],
      unknown_field: 'ignored',
    };
    const res = await t.http.post(`/probe/items/${ITEM}/versions/1?limit=5&order=asc`).send(body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        { type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: body },
        {
          type: 'value_error', loc: ['body', 'email'], msg: 'Value error, value is not a valid email address', input: 'not-an-email',
          ctx: { error: 'value is not a valid email address' },
        },
        {
          type: 'value_error', loc: ['body', 'timezone'], msg: 'Value error, unknown timezone, expected an IANA time zone such as Europe/Paris', input: 'Nowhere/City',
          ctx: { error: 'unknown timezone, expected an IANA time zone such as Europe/Paris' },
        },
        { type: 'bool_parsing', loc: ['body', 'active'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
        { type: 'dict_type', loc: ['body', 'preferences'], msg: 'Input should be a valid dictionary', input: [1] },
        { type: 'string_type', loc: ['body', 'tags', 1, 'label'], msg: 'Input should be a valid string', input: 1 },
        { type: 'missing', loc: ['body', 'tags', 2, 'label'], msg: 'Field required', input: {} },
      ],
    });
  });

  it('reports the first failing check of a string field, as pydantic does', async () => {
    const res = await t.http.post(`/probe/items/${ITEM}/versions/1?limit=5&order=asc`).send({ ...validBody, username: 'a!' });
    expect(res.body.detail).toEqual([
      { type: 'string_too_short', loc: ['body', 'username'], msg: 'String should have at least 3 characters', input: 'a!', ctx: { min_length: 3 } },
    ]);
    const pattern = await t.http.post(`/probe/items/${ITEM}/versions/1?limit=5&order=asc`).send({ ...validBody, username: 'bad name' });
    expect(pattern.body.detail).toEqual([
      {
        type: 'string_pattern_mismatch', loc: ['body', 'username'], msg: "String should match pattern '^[a-zA-Z0-9_.-]+$'", input: 'bad name',
        ctx: { pattern: '^[a-zA-Z0-9_.-]+$' },
      },
    ]);
  });

  it('passes a valid request through with types applied and unknown fields dropped', async () => {
    const res = await t.http
      .post(`/probe/items/${ITEM}/versions/3?limit=5&order=desc&extra=1`)
      .send({ ...validBody, tags: [{ label: 'xy', color: 'red' }], user_id: 'spoofed' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      path: { item_id: ITEM, version: 3 },
      query: { limit: 5, order: 'desc' },
      body: { ...validBody, tags: [{ label: 'xy' }] },
    });
  });
});
