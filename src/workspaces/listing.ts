import { RequestValidationError } from '../common/validation/pydantic-errors.js';
import type { KeysetPosition } from '../common/pagination/cursor.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keyset position of the lists here: `(created_at, id)`, the order every list is sorted by. */
export interface TimeIdPosition {
  createdAt: string;
  id: string;
}

export function timeIdPosition(createdAt: Date, id: string): KeysetPosition {
  return [createdAt.toISOString(), id];
}

/** A decoded cursor's position, checked even though it was signed (a key rotation must not 500). */
export function parseTimeIdPosition(position: KeysetPosition | undefined, cursor: string): TimeIdPosition | undefined {
  if (position === undefined) return undefined;
  const [createdAt, id] = position;
  if (position.length !== 2 || typeof createdAt !== 'string' || typeof id !== 'string' || !UUID.test(id) || Number.isNaN(Date.parse(createdAt))) {
    throw new RequestValidationError([
      { type: 'value_error', loc: ['query', 'cursor'], msg: 'Value error, invalid cursor', input: cursor, ctx: { error: 'invalid cursor' } },
    ]);
  }
  return { createdAt, id };
}

/**
 * A `LIKE` pattern matching `text` as a literal substring (`%`, `_` and `\` included). Case folding
 * is left to the database's `lower()`, so both sides fold the same way whatever its locale.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * SQL testing a user row `u` against a `containsPattern` parameter: first the expression the
 * trigram index covers, then the exact per-field test (the separator must not join two fields).
 */
export function userSearchSql(param: string): string {
  const p = `lower(${param})`;
  return `(lower(coalesce(u.full_name, '') || chr(1) || u.username || chr(1) || u.email) LIKE ${p}
    AND (lower(coalesce(u.full_name, '')) LIKE ${p} OR lower(u.username) LIKE ${p} OR lower(u.email) LIKE ${p}))`;
}
