/**
 * A `LIKE` pattern matching `text` as a literal substring (`%`, `_` and `\` included). Case folding
 * is left to the database's `lower()`, so both sides fold the same way whatever its locale.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * SQL testing a user row `u` against `param`, a `containsPattern(search)`. The expression the
 * trigram index `users_search_trgm_idx` covers joins the three fields with chr(1), so a term without
 * that character matches it exactly when it matches one of the fields. Only a term holding chr(1)
 * needs the per-field test after the index: left in for every search, that redundant test made the
 * planner expect a twentieth of the matches, and sort thousands of them where walking the
 * workspace in page order finds a page in a few milliseconds.
 */
export function userSearchSql(param: string, search: string): string {
  const p = `lower(${param})`;
  const indexed = `lower(coalesce(u.full_name, '') || chr(1) || u.username || chr(1) || u.email) LIKE ${p}`;
  if (!search.includes('\u0001')) return `(${indexed})`;
  return `(${indexed} AND (lower(coalesce(u.full_name, '')) LIKE ${p} OR lower(u.username) LIKE ${p} OR lower(u.email) LIKE ${p}))`;
}

/**
 * A search's `total` is exact up to this many matches and then stays at it: counting every one of
 * 50,000 matches in a million-member workspace costs a second, and no one pages that far.
 * `has_more`/`next_cursor` still lead through every match. The users and member searches share it.
 */
export const SEARCH_TOTAL_CAP = 1000;

/** Counts the rows of `fromWhere` (a `FROM … WHERE …` clause) up to `SEARCH_TOTAL_CAP`, as `total`. */
export function cappedCountSql(fromWhere: string): string {
  return `SELECT count(*)::int AS total FROM (SELECT 1 ${fromWhere} LIMIT ${SEARCH_TOTAL_CAP}) capped`;
}
