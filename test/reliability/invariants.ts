/** Anything that can run a query: a TypeORM DataSource, a pg Client or Pool. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/**
 * The data invariants of the contract, each as a query returning the rows that break it. They must
 * hold after any sequence of requests, races, crashes and restarts.
 */
export const INVARIANTS: Record<string, string> = {
  'every workspace keeps an owner': `
    SELECT w.workspace_id FROM workspaces w
    WHERE NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.workspace_id AND m.role = 'owner')`,
  'every organization keeps an owner': `
    SELECT o.org_id FROM organizations o
    WHERE NOT EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = o.org_id AND m.role = 'owner')`,
  'no workspace membership without its user': `
    SELECT m.workspace_id, m.user_id FROM workspace_members m LEFT JOIN users u USING (user_id) WHERE u.user_id IS NULL`,
  'no org membership without its user': `
    SELECT m.org_id, m.user_id FROM org_members m LEFT JOIN users u USING (user_id) WHERE u.user_id IS NULL`,
  'no workspace membership without its workspace': `
    SELECT m.workspace_id FROM workspace_members m LEFT JOIN workspaces w USING (workspace_id) WHERE w.workspace_id IS NULL`,
  'emails are unique, case-insensitively': `SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1`,
  'usernames are unique, case-insensitively': `SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1`,
  'organization slugs are unique': `SELECT slug FROM organizations GROUP BY slug HAVING count(*) > 1`,
  'workspace slugs are unique within their org': `SELECT org_id, slug FROM workspaces GROUP BY org_id, slug HAVING count(*) > 1`,
  'a workspace member count matches its memberships': `
    SELECT w.workspace_id, w.member_count, count(m.user_id) AS actual FROM workspaces w
    LEFT JOIN workspace_members m USING (workspace_id) GROUP BY w.workspace_id HAVING w.member_count <> count(m.user_id)`,
};

/** The broken invariants with a few offending rows each; empty when all hold. One round trip. */
export async function brokenInvariants(db: Queryable): Promise<Record<string, unknown[]>> {
  const names = Object.keys(INVARIANTS);
  const sql = names.map((name, i) => `(SELECT ${i} AS invariant, to_jsonb(x) AS row FROM (${INVARIANTS[name]} LIMIT 5) x)`).join(' UNION ALL ');
  const result = await db.query(sql);
  const rows: { invariant: number; row: unknown }[] = Array.isArray(result) ? result : result.rows;
  const broken: Record<string, unknown[]> = {};
  for (const { invariant, row } of rows) (broken[names[invariant]] ??= []).push(row);
  return broken;
}
