import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { RequestValidationError } from '../validation/pydantic-errors.js';

export type KeysetPosition = (string | number)[];

export interface Page<T> {
  items: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * Opaque, signed keyset cursors. A cursor names the last row of a page and is bound to the query it
 * came from (its scope), so a cursor that is altered or replayed on another query is refused.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(position: KeysetPosition, scope: string): string {
    const payload = Buffer.from(JSON.stringify({ p: position, s: scopeHash(scope) })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(cursor: string, scope: string): KeysetPosition {
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || !signature || extra !== undefined || !this.verify(payload, signature)) throw invalidCursor(cursor);
    let parsed: { p?: unknown; s?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor(cursor);
    }
    if (parsed.s !== scopeHash(scope) || !Array.isArray(parsed.p)) throw invalidCursor(cursor, 'cursor does not belong to this query');
    return parsed.p as KeysetPosition;
  }

  /** Builds a page from rows fetched with `LIMIT limit + 1`. */
  page<T>(rows: T[], limit: number, scope: string, positionOf: (row: T) => KeysetPosition): Page<T> {
    const has_more = rows.length > limit;
    const items = has_more ? rows.slice(0, limit) : rows;
    const last = items[items.length - 1];
    return { items, has_more, next_cursor: has_more && last ? this.encode(positionOf(last), scope) : null };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 32);
  }

  private verify(payload: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function scopeHash(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 16);
}

export function invalidCursor(input: string, reason = 'invalid cursor'): RequestValidationError {
  return new RequestValidationError([
    { type: 'value_error', loc: ['query', 'cursor'], msg: `Value error, ${reason}`, input, ctx: { error: reason } },
  ]);
}
