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

