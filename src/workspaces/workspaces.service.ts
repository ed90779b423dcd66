import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ResolvedScope } from '../access/scope.js';
import { AuthenticationError, NotFoundError } from '../common/errors/app-error.js';
import { checkPrecondition, versionETag } from '../common/http/conditional/etag.js';
import type { RequestContext } from '../common/request-context.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import type { User } from '../database/entities/user.entity.js';
import { OrganizationsRepository } from './organizations.repository.js';
import type { CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceListResponse, WorkspaceResponse } from './workspace.dto.js';
import { toWorkspaceResponse, workspaceResource, WorkspacesRepository } from './workspaces.repository.js';
import type { NewEvent } from '../events/event-types.js';
import { EventsService } from '../events/events.service.js';
import { orgMemberAdded, workspaceDeleted, workspaceEvent, workspaceMemberAdded } from './resource-events.js';

/** Workspaces of an organization: the creator becomes owner; deleting one deletes its memberships. */
@Injectable()
export class WorkspacesService {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
    private readonly workspaces: WorkspacesRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly events: EventsService,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  async create(ctx: RequestContext, user: User, orgId: string, dto: CreateWorkspaceDto): Promise<WorkspaceResponse> {
    return transaction(
      this.dataSource,
      async (m) => {
        const created = await this.workspaces.create(m, orgId, dto);
        const owner = await this.workspaces.addOwner(m, created.workspace_id, user.user_id);
        // The caller was deleted since the guard loaded them: no workspace without its owner.
        if (!owner) throw new AuthenticationError();
        // A platform admin may create a workspace in an org they are not in; membership keeps them consistent.
        const joined = await this.orgs.joinAsMember(m, orgId, user.user_id);
        // Its owner's membership moved the row's version (member count): answer the row as it is now.
        const workspace = workspaceResource((await this.workspaces.findById(m, created.workspace_id))!);
        const events: NewEvent[] = [workspaceEvent('workspace.created', workspace), workspaceMemberAdded(orgId, workspace.workspace_id, owner)];
        if (joined) events.push(orgMemberAdded(orgId, joined));
        await this.events.recordAll(m, ctx, events);
        return workspace;
      },
      ctx,
    );
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
    const { rows, total } = await this.workspaces.page(await this.reads.manager(user.user_id), request);
    const page = this.cursors.page(rows, limit, listScope, (row) => timeIdPosition(row.created_at, row.workspace_id));
    return { workspaces: page.items.map(toWorkspaceResponse), total, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(workspaceId: string): Promise<WorkspaceResponse> {
    const row = await this.workspaces.findById(this.dataSource.manager, workspaceId);
    if (!row) throw new NotFoundError('workspace', workspaceId);
    return workspaceResource(row);
  }

  /** The row is locked first: `If-Match` is compared, and the event's before read, under that lock. */
  async update(ctx: RequestContext, workspaceId: string, dto: UpdateWorkspaceDto): Promise<WorkspaceResponse> {
    return transaction(
      this.dataSource,
      async (m) => {
        const before = await this.workspaces.findById(m, workspaceId, true);
        checkPrecondition(ctx, 'workspace', workspaceId, before ? versionETag(before.version) : null);
        const row = before && (await this.workspaces.update(m, workspaceId, dto));
        if (!before || !row) throw new NotFoundError('workspace', workspaceId);
        const workspace = workspaceResource(row);
        const event = workspaceEvent('workspace.updated', workspace, toWorkspaceResponse(before));
        if (event.changes) await this.events.record(m, ctx, event);
        return workspace;
      },
      ctx,
    );
  }

  /** Its memberships go with it; the one `workspace.deleted` event stands for them. */
  async remove(ctx: RequestContext, workspaceId: string): Promise<void> {
    await transaction(
      this.dataSource,
      async (m) => {
        const row = await this.workspaces.findById(m, workspaceId, true);
        checkPrecondition(ctx, 'workspace', workspaceId, row ? versionETag(row.version) : null);
        if (!row) throw new NotFoundError('workspace', workspaceId);
        await this.workspaces.delete(m, workspaceId);
        await this.events.record(m, ctx, workspaceDeleted(row.org_id, workspaceId));
      },
      ctx,
    );
  }
}
