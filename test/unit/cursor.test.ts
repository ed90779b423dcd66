import { describe, expect, it } from 'vitest';
import { CursorCodec } from '../../dist/common/pagination/cursor.js';
import { RequestValidationError } from '../../dist/common/validation/pydantic-errors.js';

const codec = new CursorCodec(Buffer.alloc(32, 7));
const position = ['2025-01-01T00:00:00.123Z', '3f1c2a9e-7b1d-4c1e-9a51-0d2d8f1e2b3c'];

function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RequestValidationError);
    const [entry] = (error as RequestValidationError).detail;
    expect(entry.type).toBe('value_error');
    expect(entry.loc).toEqual(['query', 'cursor']);
    expect(entry.msg).toMatch(/^Value error, /);
    return entry;
  }
  throw new Error('expected the cursor to be refused');
}

describe('CursorCodec', () => {
  it('round-trips a position within its scope', () => {
    const cursor = codec.encode(position, 'members:w1');
    expect(codec.decode(cursor, 'members:w1')).toEqual(position);
  });

  it('is opaque: the position is not readable as plain text', () => {
    const cursor = codec.encode(position, 's');
    expect(cursor).not.toContain(position[1]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('refuses a cursor from another query (scope)', () => {
    const cursor = codec.encode(position, 'members:w1:search=a');
    const entry = refusal(() => codec.decode(cursor, 'members:w1:search=b'));
    expect(entry.input).toBe(cursor);
    expect(entry.ctx).toEqual({ error: 'cursor does not belong to this query' });
  });

  it('refuses a cursor whose payload was altered, even with a valid-looking signature', () => {
    const cursor = codec.encode(position, 's');
    const [payload, signature] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify({ p: ['1970-01-01T00:00:00.000Z', position[1]], s: 'x' })).toString('base64url');
    refusal(() => codec.decode(`${forged}.${signature}`, 's'));
    const flipped = payload.slice(0, -1) + (payload.endsWith('A') ? 'B' : 'A');
    refusal(() => codec.decode(`${flipped}.${signature}`, 's'));
  });

  it('refuses a cursor with an altered signature', () => {
    const cursor = codec.encode(position, 's');
    const flipped = cursor.slice(0, -1) + (cursor.endsWith('A') ? 'B' : 'A');
    refusal(() => codec.decode(flipped, 's'));
  });

  it('refuses a cursor signed with another key', () => {
    const other = new CursorCodec(Buffer.alloc(32, 8));
    refusal(() => codec.decode(other.encode(position, 's'), 's'));
  });

  it.each(['', '.', 'abc', 'abc.', '.abc', 'a.b.c', '%%%.%%%', 'eyJwIjpbXX0.short'])('refuses the malformed cursor %j', (cursor) => {
    refusal(() => codec.decode(cursor, 's'));
  });

  it('builds pages from LIMIT n+1 rows', () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const full = codec.page(rows, 2, 's', (r) => [r.id]);
    expect(full.items).toEqual([{ id: 1 }, { id: 2 }]);
    expect(full.has_more).toBe(true);
    expect(codec.decode(full.next_cursor!, 's')).toEqual([2]);
    const last = codec.page(rows, 3, 's', (r) => [r.id]);
    expect(last).toEqual({ items: rows, has_more: false, next_cursor: null });
    expect(codec.page([], 5, 's', (r: { id: number }) => [r.id])).toEqual({ items: [], has_more: false, next_cursor: null });
  });
});
