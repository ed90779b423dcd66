import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition, type TimeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import type { User } from '../database/entities/user.entity.js';
import type { UserListResponse } from './dto/user-response.dto.js';
import type { ListUsersQuery } from './dto/users.dto.js';
import { toUserResponse } from './user-response.js';
import { UsersRepository, wholeWorkspace, type ListRow, type UserFilter } from './users.repository.js';

/**
 * `GET /v1/users`: the members of a workspace, or every user for a platform admin (the permission
 * guard has decided who may ask which), a keyset page at a time.
 */
@Injectable()
export class UsersListService {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly cursors: CursorCodec,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  async list(query: ListUsersQuery, caller?: User): Promise<UserListResponse> {
    const filter: UserFilter = {
      workspaceId: query.workspace_id?.toLowerCase(),
      search: query.search ? query.search : undefined,
      isActive: query.is_active,
      role: query.role,
    };
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const scope = usersScope(filter.workspaceId, filter.search, query);
    const after = positionAfter(this.cursors, query.cursor, scope);
    const db = await this.reads.manager(caller?.user_id);
    const rows = await this.users.page(filter, after, limit, db);
    const total = await this.total(filter, rows, after, limit, db);
    const page = this.cursors.page(rows, limit, scope, (r) => timeIdPosition(r._position, r.user_id));
    return { total, has_more: page.has_more, next_cursor: page.next_cursor, users: page.items.map(toUserResponse) };
  }

  private async total(filter: UserFilter, rows: ListRow[], after: TimeIdPosition | undefined, limit: number, db: EntityManager): Promise<number> {
    if (wholeWorkspace(filter)) return rows.length ? Number(rows[0]._total) : this.users.memberCount(filter.workspaceId!, db);
    // A first page that holds every match is its own count: no second scan.
    if (!after && rows.length <= limit) return rows.length;
    return transaction(this.dataSource, (m) => this.users.cappedCount(m, filter));
  }
}

/** What a cursor is bound to: the workspace (or every user) and each filter. */
function usersScope(workspaceId: string | undefined, search: string | undefined, query: ListUsersQuery): string {
  const flags = query.is_active !== undefined || query.role !== undefined ? [query.is_active ?? null, query.role ?? null] : [];
  return cursorScope('users', workspaceId ?? '*', search ?? '', ...flags);
}
