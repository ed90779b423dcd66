import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ResolvedScope } from '../access/scope.js';
import { AuthenticationError, NotFoundError } from '../common/errors/app-error.js';
import { sqlState } from '../common/errors/database-errors.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import type { User } from '../users/user.entity.js';
import { insertWithSlug, slugConflict } from './slug-insert.js';
import { returnedRows } from './sql.js';
import type { CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceListResponse, WorkspaceResponse } from './workspace.dto.js';
import { toWorkspaceResponse, WORKSPACE_COLUMNS, type WorkspaceRow } from './workspace.mapper.js';

/** Workspaces of an organization: the creator becomes owner; deleting one deletes its memberships. */
@Injectable()
export class WorkspacesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  async create(user: User, orgId: string, dto: CreateWorkspaceDto): Promise<WorkspaceResponse> {
    return transaction(this.dataSource, async (m) => {
      const workspace = await insertWithSlug('workspace', dto.slug, dto.name, async (slug) => {
        const rows: WorkspaceRow[] = await m.query(
          `INSERT INTO workspaces AS w (org_id, name, slug, description) VALUES ($1, $2, $3, $4)
           ON CONFLICT ON CONSTRAINT workspaces_org_slug_key DO NOTHING RETURNING ${WORKSPACE_COLUMNS}`,
          [orgId, dto.name, slug, dto.description ?? null],
        );
        return rows[0];
      });
      const owner = await m.query(
        `INSERT INTO workspace_members (workspace_id, user_id, role, added_by, user_created_at)
         SELECT $1, u.user_id, 'owner', u.user_id, u.created_at FROM users u WHERE u.user_id = $2 RETURNING user_id`,
        [workspace.workspace_id, user.user_id],
      );
      // The caller was deleted since the guard loaded them: no workspace without its owner.
      if (owner.length === 0) throw new AuthenticationError();
      // A platform admin may create a workspace in an org they are not in; membership keeps them consistent.
      await m.query(
        `INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, 'member', $2) ON CONFLICT DO NOTHING`,
        [orgId, user.user_id],
      );
      return toWorkspaceResponse(workspace);
    });
  }

  /** Every workspace of the org for its admins and owners (and platform admins); otherwise the caller's own. */
  async list(user: User, scope: ResolvedScope, query: PageQueryDto): Promise<WorkspaceListResponse> {
    const orgId = scope.orgId!;
    const all = scope.platformAdmin || scope.orgRole === 'admin' || scope.orgRole === 'owner';
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const listScope = cursorScope('workspaces', orgId, all ? '*' : user.user_id);
    // An empty `cursor` asks for the first page of this list.
    const after = positionAfter(this.cursors, query.cursor || undefined, listScope);
    // Two shapes so each walks its own index: the org's workspaces, or the caller's memberships.
    const params: unknown[] = [orgId];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const from = all
      ? 'workspaces w'
      : `workspaces w JOIN workspace_members wm ON wm.workspace_id = w.workspace_id AND wm.user_id = ${bind(user.user_id)}`;
    const countSql = `SELECT count(*)::int AS total FROM ${from} WHERE w.org_id = $1`;
    const countParams = [...params];
    const keyset = after ? `AND (w.created_at, w.workspace_id) > (${bind(after.createdAt)}::timestamptz, ${bind(after.id)}::uuid)` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query(
        `SELECT ${WORKSPACE_COLUMNS} FROM ${from} WHERE w.org_id = $1 ${keyset} ORDER BY w.created_at, w.workspace_id LIMIT ${bind(limit + 1)}`,
        params,
      ) as Promise<WorkspaceRow[]>,
      this.dataSource.query(countSql, countParams) as Promise<{ total: number }[]>,
    ]);
    const page = this.cursors.page(rows, limit, listScope, (row) => timeIdPosition(row.created_at, row.workspace_id));
    return { workspaces: page.items.map(toWorkspaceResponse), total, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(workspaceId: string): Promise<WorkspaceResponse> {
    const [row]: WorkspaceRow[] = await this.dataSource.query(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.workspace_id = $1`, [workspaceId]);
    if (!row) throw new NotFoundError('workspace', workspaceId);
    return toWorkspaceResponse(row);
  }

  async update(workspaceId: string, dto: UpdateWorkspaceDto): Promise<WorkspaceResponse> {
    let rows: WorkspaceRow[];
    try {
      rows = returnedRows<WorkspaceRow>(
        await this.dataSource.query(
          `UPDATE workspaces w SET name = COALESCE($2, w.name), slug = COALESCE($3, w.slug),
             description = CASE WHEN $4 THEN $5 ELSE w.description END
           WHERE w.workspace_id = $1 RETURNING ${WORKSPACE_COLUMNS}`,
          [workspaceId, dto.name ?? null, dto.slug ?? null, dto.description !== undefined, dto.description ?? null],
        ),
      );
    } catch (error) {
      if (sqlState(error) === '23505') throw slugConflict('workspace');
      throw error;
    }
    if (!rows[0]) throw new NotFoundError('workspace', workspaceId);
    return toWorkspaceResponse(rows[0]);
  }

  async remove(workspaceId: string): Promise<void> {
    await transaction(this.dataSource, (m) => m.query(`DELETE FROM workspaces WHERE workspace_id = $1`, [workspaceId]));
  }
}
