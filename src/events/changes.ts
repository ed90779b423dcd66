import type { FieldChanges } from './event-types.js';

/**
 * `{field: [before, after]}` for the fields of `after` whose value differs from `before` (compared as
 * JSON, so objects and dates compare by content); null when nothing changed.
 */
export function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>, ignore: readonly string[] = ['updated_at']): FieldChanges | null {
  const changes: FieldChanges = {};
  for (const field of Object.keys(after)) {
    if (ignore.includes(field)) continue;
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[field] = [before[field] ?? null, after[field] ?? null];
  }
  return Object.keys(changes).length > 0 ? changes : null;
}
