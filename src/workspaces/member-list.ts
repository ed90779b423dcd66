import type { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto.js';
import { cappedCountSql, containsPattern, userSearchSql } from '../users/user-search.js';

/**
 * Without any of `role`, `search`, `limit`, `cursor` a member list answers the reference's plain
 * `{members, total}`; so that a huge scope cannot produce an unbounded response, that plain answer
 * holds at most this many members and, past it, carries `has_more`/`next_cursor` too.
 */
export const UNPAGED_MEMBER_LIMIT = 1000;

export interface MemberListQuery {
  role?: string;
  search?: string;
  limit?: number;
  cursor?: string;
}

/** Where the memberships live: `org_members` by `org_id`, or `workspace_members` by `workspace_id`. */
export interface MemberTable {
  table: 'org_members' | 'workspace_members';
  scopeColumn: 'org_id' | 'workspace_id';
}

export interface MemberRow {
  user_id: string;
  role: string;
  username: string;
  email: string;
  full_name: string | null;
  avatar_url: string | null;
  added_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const MEMBER_COLUMNS =
  'm.user_id, m.role, u.username, u.email, u.full_name, u.avatar_url, m.added_by, m.created_at, m.updated_at';

export interface MemberPage {
  rows: MemberRow[];
  total: number;
  paged: boolean;
  has_more: boolean;
  next_cursor: string | null;
}

type Query = (sql: string, params: unknown[]) => Promise<any[]>;

/**
 * One page of a scope's members in membership order (`created_at`, then `user_id`), keyset-paged on
 * the `(scope, created_at, user_id)` index, with the total of every match (capped for a search).
 * `countAll` may answer the
 * unfiltered total more cheaply (e.g. a maintained counter).
 */
export async function listMembers(
  query: Query,
  cursors: CursorCodec,
  where: MemberTable,
  scopeId: string,
  q: MemberListQuery,
  countAll?: () => Promise<number>,
): Promise<MemberPage> {
  const paged = q.role !== undefined || q.search !== undefined || q.limit !== undefined || q.cursor !== undefined;
  const limit = q.limit ?? (paged ? DEFAULT_PAGE_SIZE : UNPAGED_MEMBER_LIMIT);
  const scope = cursorScope(where.table, scopeId, q.role ?? '', q.search ?? '');
  // An empty `cursor` asks for the first page (paged, as any `cursor` makes it).
  const after = positionAfter(cursors, q.cursor || undefined, scope);

  const params: unknown[] = [scopeId];
  const filters = [`m.${where.scopeColumn} = $1`];
  if (q.role !== undefined) filters.push(`m.role = $${params.push(q.role)}`);
  if (q.search !== undefined) filters.push(userSearchSql(`$${params.push(containsPattern(q.search))}`, q.search));
  const filtered = filters.join(' AND ');
  const from = `FROM ${where.table} m JOIN users u ON u.user_id = m.user_id`;

  const pageParams = [...params];
  const keyset = after
    ? ` AND (m.created_at, m.user_id) > ($${pageParams.push(after.createdAt)}::timestamptz, $${pageParams.push(after.id)}::uuid)`
    : '';
  const pageSql = `SELECT ${MEMBER_COLUMNS} ${from} WHERE ${filtered}${keyset} ORDER BY m.created_at, m.user_id LIMIT $${pageParams.push(limit + 1)}`;
  const unfiltered = q.role === undefined && q.search === undefined;
  // A search counts its matches up to the cap the users search uses; a role filter counts exactly.
  const countSql = q.search === undefined ? `SELECT count(*)::int AS total FROM ${where.table} m WHERE ${filtered}` : cappedCountSql(`${from} WHERE ${filtered}`);

  const [rows, total] = await Promise.all([
    query(pageSql, pageParams) as Promise<MemberRow[]>,
    unfiltered && countAll ? countAll() : query(countSql, params).then(([row]) => row.total as number),
  ]);
  const page = cursors.page(rows, limit, scope, (row) => timeIdPosition(row.created_at, row.user_id));
  return { rows: page.items, total, paged, has_more: page.has_more, next_cursor: page.next_cursor };
}
