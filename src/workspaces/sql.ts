/**
 * TypeORM answers an UPDATE or DELETE with `[rows, affectedCount]` and anything else with the rows;
 * this gives the rows either way.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** Follows a `WITH m AS (INSERT … RETURNING *)` on a membership table: the row with its user's fields. */
export const MEMBER_WITH_USER = `SELECT m.user_id, m.role, u.username, u.email, u.full_name, u.avatar_url, m.added_by, m.created_at, m.updated_at
  FROM m JOIN users u ON u.user_id = m.user_id`;
