import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ResolvedScope } from '../access/scope.js';
import { AuthenticationError, NotFoundError } from '../common/errors/app-error.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import type { User } from '../database/entities/user.entity.js';
import { OrganizationsRepository } from './organizations.repository.js';
import type { CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceListResponse, WorkspaceResponse } from './workspace.dto.js';
import { toWorkspaceResponse, WorkspacesRepository } from './workspaces.repository.js';

/** Workspaces of an organization: the creator becomes owner; deleting one deletes its memberships. */
@Injectable()
export class WorkspacesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
    private readonly workspaces: WorkspacesRepository,
    private readonly orgs: OrganizationsRepository,
  ) {}

  async create(user: User, orgId: string, dto: CreateWorkspaceDto): Promise<WorkspaceResponse> {
    return transaction(this.dataSource, async (m) => {
      const workspace = await this.workspaces.create(m, orgId, dto);
      // The caller was deleted since the guard loaded them: no workspace without its owner.
      if (!(await this.workspaces.addOwner(m, workspace.workspace_id, user.user_id))) throw new AuthenticationError();
      // A platform admin may create a workspace in an org they are not in; membership keeps them consistent.
      await this.orgs.joinAsMember(m, orgId, user.user_id);
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
    // Outside a transaction: the page and its count run at once, each on a connection of its own.
    const request = { orgId, memberId: all ? undefined : user.user_id, after, limit };
    const { rows, total } = await this.workspaces.page(this.dataSource.manager, request);
    const page = this.cursors.page(rows, limit, listScope, (row) => timeIdPosition(row.created_at, row.workspace_id));
    return { workspaces: page.items.map(toWorkspaceResponse), total, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(workspaceId: string): Promise<WorkspaceResponse> {
    const row = await this.workspaces.findById(this.dataSource.manager, workspaceId);
    if (!row) throw new NotFoundError('workspace', workspaceId);
    return toWorkspaceResponse(row);
  }

  async update(workspaceId: string, dto: UpdateWorkspaceDto): Promise<WorkspaceResponse> {
    const row = await this.workspaces.update(this.dataSource.manager, workspaceId, dto);
    if (!row) throw new NotFoundError('workspace', workspaceId);
    return toWorkspaceResponse(row);
  }

  async remove(workspaceId: string): Promise<void> {
    await transaction(this.dataSource, (m) => this.workspaces.delete(m, workspaceId));
  }
}
