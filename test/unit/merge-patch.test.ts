import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../support/app.js';

/**
 * `jsonb_merge_patch(target, patch)`, the SQL function behind PATCH /v1/users/me/preferences,
 * against the examples of RFC 7396 Appendix A.
 */
describe('jsonb_merge_patch (RFC 7396)', () => {
  let url: string;
  let client: pg.Client;
  beforeAll(async () => {
    url = await createTestDatabase();
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await dropTestDatabase(url);
  });

  const merge = async (target: unknown, patch: unknown) =>
    (await client.query(`SELECT jsonb_merge_patch($1::jsonb, $2::jsonb) AS r`, [JSON.stringify(target), JSON.stringify(patch)])).rows[0].r;

  const appendixA: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];

  it.each(appendixA)('merge(%j, %j) = %j', async (target, patch, expected) => {
    expect(await merge(target, patch)).toEqual(expected);
  });

  it('leaves the target alone for an empty patch and merges deeply', async () => {
    expect(await merge({ a: { b: { c: 1, d: 2 } } }, {})).toEqual({ a: { b: { c: 1, d: 2 } } });
    expect(await merge({ a: { b: { c: 1, d: 2 } } }, { a: { b: { d: null, e: 3 } } })).toEqual({ a: { b: { c: 1, e: 3 } } });
  });

  it('keeps keys with special characters apart', async () => {
    expect(await merge({ 'a.b': 1, 'a,b': 2, '{x}': 3 }, { 'a.b': null, '{x}': 4, '"q"': 5 })).toEqual({ 'a,b': 2, '{x}': 4, '"q"': 5 });
  });
});
