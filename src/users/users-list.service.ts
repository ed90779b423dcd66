import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto.js';
import type { UserListResponse } from './dto/user-response.dto.js';
import type { ListUsersQuery } from './dto/users.dto.js';
import { toUserResponse } from './user-response.js';
import { USER_SELECT, type User } from './user.entity.js';
import { cappedCountSql, containsPattern, userSearchSql } from './user-search.js';
import { transaction } from '../database/transaction.js';

type ListRow = User & { _position: Date; _total?: number };

/** Where a list reads its users, and the keyset it pages on (each with an index in that order). */
interface Source {
  from: string;
  where: string;
  position: string;
  /** The keyset columns, listed (for ORDER BY: a row value there would not be read from an index). */
  key: string;
}

/** Members of a workspace, by the copy of each user's `created_at` (`workspace_members_users_keyset_idx`). */
const membersOf = (param: string): Source => ({
  from: 'workspace_members wm JOIN users u ON u.user_id = wm.user_id',
  where: `wm.workspace_id = ${param}`,
  position: 'wm.user_created_at',
  key: 'wm.user_created_at, wm.user_id',
});

/** Every user, for a platform admin (`users_created_at_idx`). */
const EVERYONE: Source = { from: 'users u', where: 'TRUE', position: 'u.created_at', key: 'u.created_at, u.user_id' };

/**
 * `GET /v1/users`: the members of a workspace, or every user for a platform admin (the permission
 * guard has decided who may ask which). Keyset-paged on `(created_at, user_id)`, so page 1000 costs
 * what page 1 does; the filters are written out as literals where they can be, so the planner can
 * match them to partial indexes.
 */
@Injectable()
export class UsersListService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  async list(query: ListUsersQuery): Promise<UserListResponse> {
    const workspaceId = query.workspace_id?.toLowerCase();
    const search = query.search ? query.search : undefined;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const scope = usersScope(workspaceId, search, query);
    const after = positionAfter(this.cursors, query.cursor, scope);

    const params: unknown[] = workspaceId ? [workspaceId] : [];
    const source = workspaceId ? membersOf('$1') : EVERYONE;
    const filter = filterSql(query, search, params);
    const pageParams = [...params];
    let keyset = '';
    if (after) {
      pageParams.push(after.createdAt, after.id);
      keyset = `AND (${source.key}) > ($${pageParams.length - 1}::timestamptz, $${pageParams.length}::uuid)`;
    }
    pageParams.push(limit + 1);
    // A whole workspace: its maintained member count rides along with the page (one round trip).
    const memberCount = workspaceId && !filter ? `, (SELECT member_count FROM workspaces WHERE workspace_id = $1) AS _total` : '';
    const rows: ListRow[] = await this.dataSource.query(
      `SELECT ${USER_SELECT}, ${source.position} AS _position${memberCount}
         FROM ${source.from}
        WHERE ${source.where} ${keyset} ${filter}
        ORDER BY ${source.key}
        LIMIT $${pageParams.length}`,
      pageParams,
    );
    let total: number;
    if (memberCount) total = rows.length ? Number(rows[0]._total) : await this.memberCount(workspaceId!);
    // A first page that holds every match is its own count: no second scan.
    else if (!after && rows.length <= limit) total = rows.length;
    else total = await this.cappedCount(source, filter, params, search !== undefined);
    const page = this.cursors.page(rows, limit, scope, (r) => timeIdPosition(r._position, r.user_id));
    return { total, has_more: page.has_more, next_cursor: page.next_cursor, users: page.items.map(toUserResponse) };
  }

  /**
   * Counted up to the cap. A search counts from the trigram index: with `LIMIT` the planner takes
   * matches to be spread evenly over the table and prefers reading `users` in order until it has
   * enough: 27–220 ms at 1M members for a name one in twenty carries, against 22 ms from the index.
   */
  private cappedCount(source: Source, filter: string, params: unknown[], search: boolean): Promise<number> {
    const sql = cappedCountSql(`FROM ${source.from} WHERE ${source.where} ${filter}`);
    return transaction(this.dataSource, async (m) => {
      if (search) await m.query(`SET LOCAL enable_seqscan = off`);
      return Number((await m.query(sql, params))[0].total);
    });
  }

  private async memberCount(workspaceId: string): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT member_count FROM workspaces WHERE workspace_id = $1`, [workspaceId]);
    return Number(row?.member_count ?? 0);
  }
}

/** The conditions on `u` beyond the source's own, appending the parameters they need to `params`. */
function filterSql(query: ListUsersQuery, search: string | undefined, params: unknown[]): string {
  const conditions: string[] = [];
  if (search !== undefined) {
    params.push(containsPattern(search));
    conditions.push(userSearchSql(`$${params.length}`, search));
  }
  if (query.is_active !== undefined) conditions.push(query.is_active ? 'u.is_active' : 'NOT u.is_active');
  if (query.role !== undefined) conditions.push(query.role === 'admin' ? `'admin' = ANY(u.roles)` : `NOT ('admin' = ANY(u.roles))`);
  return conditions.map((c) => `AND ${c}`).join(' ');
}

/** What a cursor is bound to: the workspace (or every user) and each filter. */
function usersScope(workspaceId: string | undefined, search: string | undefined, query: ListUsersQuery): string {
  const flags = query.is_active !== undefined || query.role !== undefined ? [query.is_active ?? null, query.role ?? null] : [];
  return cursorScope('users', workspaceId ?? '*', search ?? '', ...flags);
}
