import { UUID_PATTERN } from '../validation/uuid.js';
import { invalidCursor, type CursorCodec, type KeysetPosition } from './cursor.js';

/** Keyset position of every list here: `(created_at, id)`, the order each one is sorted by. */
export interface TimeIdPosition {
  createdAt: string;
  id: string;
}

export function timeIdPosition(createdAt: Date, id: string): KeysetPosition {
  return [createdAt.toISOString(), id];
}

/** A decoded cursor's position, checked even though it was signed (a key rotation must not 500). */
export function decodePosition(position: KeysetPosition, cursor: string): TimeIdPosition {
  const [createdAt, id] = position;
  if (position.length !== 2 || typeof createdAt !== 'string' || typeof id !== 'string' || !UUID_PATTERN.test(id) || Number.isNaN(Date.parse(createdAt))) {
    throw invalidCursor(cursor);
  }
  return { createdAt, id };
}

/** Where the page asked for with `cursor` starts: after this position; undefined for a first page. */
export function positionAfter(cursors: CursorCodec, cursor: string | undefined, scope: string): TimeIdPosition | undefined {
  return cursor === undefined ? undefined : decodePosition(cursors.decode(cursor, scope), cursor);
}

/**
 * What a list's cursors are bound to: the list's name, then everything that selects its rows (the
 * scope it lists, each filter). Written as JSON so that no value can run into the next one.
 */
export function cursorScope(list: string, ...selectors: (string | boolean | null)[]): string {
  return JSON.stringify([list, ...selectors]);
}
