import type { Queryable } from '../../reliability/invariants.js';

/**
 * The rows a low-privilege caller has no right to change, one text line per row: every other user
 * (but what a login with their password moves: `last_login`, a rehash on parameter upgrade and its
 * `updated_at`; the fuzzing knows the test users' password), other users' refresh tokens (new ones
 * may appear, by the same login), and everything in the orgs that
 * existed before the caller started (what the caller creates is theirs). Of their own user row only
 * what they may not change themself: roles, active and verified flags, provider, creation time.
 * Workspace `member_count`/`updated_at` follow memberships, which are compared on their own; a row's
 * `version` follows its other columns (a login moves it too), so it is left out where they are.
 */
const SNAPSHOT_SQL = `
  SELECT 'user ' || CASE WHEN u.user_id = $1
    THEN json_build_object('user_id', u.user_id, 'roles', u.roles, 'is_active', u.is_active, 'is_verified', u.is_verified,
                           'auth_provider', u.auth_provider, 'created_at', u.created_at)::text
    ELSE (to_jsonb(u) - 'last_login' - 'password_hash' - 'updated_at' - 'version')::text END AS line
  FROM users u
  UNION ALL SELECT 'org ' || to_jsonb(o)::text FROM organizations o WHERE o.org_id = ANY($2::uuid[])
  UNION ALL SELECT 'workspace ' || (to_jsonb(w) - 'member_count' - 'updated_at' - 'version')::text FROM workspaces w WHERE w.org_id = ANY($2::uuid[])
  UNION ALL SELECT 'org_member ' || to_jsonb(m)::text FROM org_members m WHERE m.org_id = ANY($2::uuid[])
  UNION ALL SELECT 'workspace_member ' || to_jsonb(m)::text
    FROM workspace_members m JOIN workspaces w ON w.workspace_id = m.workspace_id WHERE w.org_id = ANY($2::uuid[])
  UNION ALL SELECT 'refresh_token ' || to_jsonb(t)::text FROM refresh_tokens t WHERE t.user_id <> $1`;

export class ProtectedRows {
  private before = new Set<string>();
  private orgIds: string[] = [];

  constructor(
    private readonly db: Queryable,
    private readonly callerId: () => string,
  ) {}

  /** Records the current rows; the orgs that exist now are the ones the caller must leave alone. */
  async take(): Promise<void> {
    const orgs = await this.db.query(`SELECT org_id FROM organizations`);
    this.orgIds = orgs.map((r: { org_id: string }) => r.org_id);
    this.before = await this.lines();
  }

  /**
   * What changed that should not have. The caller may only remove their own memberships (leaving)
   * and their own user row (deleting their account, which takes their memberships with it).
   */
  async violations(): Promise<string[]> {
    const after = await this.lines();
    const self = this.callerId();
    const ownRow = (line: string) =>
      (line.startsWith('org_member ') || line.startsWith('workspace_member ') || line.startsWith('user ')) && JSON.parse(line.slice(line.indexOf(' ') + 1)).user_id === self;
    const removed = [...this.before].filter((l) => !after.has(l) && !ownRow(l));
    const added = [...after].filter((l) => !this.before.has(l) && !l.startsWith('refresh_token '));
    return [...removed.map((l) => `changed or removed: ${l}`), ...added.map((l) => `appeared: ${l}`)];
  }

  private async lines(): Promise<Set<string>> {
    const rows = await this.db.query(SNAPSHOT_SQL, [this.callerId(), this.orgIds]);
    return new Set(rows.map((r: { line: string }) => r.line));
  }
}
