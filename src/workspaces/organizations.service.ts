import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error.js';
import { checkPrecondition, versionETag } from '../common/http/conditional/etag.js';
import type { RequestContext } from '../common/request-context.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import { isPlatformAdmin, type User } from '../database/entities/user.entity.js';
import type { CreateOrganizationDto, OrganizationListResponse, OrganizationResponse, UpdateOrganizationDto } from './organization.dto.js';
import { organizationResource, OrganizationsRepository, toOrganizationResponse } from './organizations.repository.js';
import { EventsService } from '../events/events.service.js';
import { orgDeleted, orgEvent, orgMemberAdded } from './resource-events.js';

/** Organizations: creation (the creator becomes owner), the caller's list, update and delete. */
@Injectable()
export class OrganizationsService {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
    private readonly orgs: OrganizationsRepository,
    private readonly events: EventsService,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  async create(ctx: RequestContext, user: User, dto: CreateOrganizationDto): Promise<OrganizationResponse> {
    return transaction(
      this.dataSource,
      async (m) => {
        const row = await this.orgs.create(m, dto.name, dto.slug);
        const owner = await this.orgs.addOwner(m, row.org_id, user.user_id);
        const org = organizationResource(row);
        await this.events.recordAll(m, ctx, [orgEvent('org.created', org), orgMemberAdded(org.org_id, owner)]);
        return org;
      },
      ctx,
    );
  }

  /** The caller's organizations (every one for a platform admin), oldest first. */
  async list(user: User, query: PageQueryDto): Promise<OrganizationListResponse> {
    const all = isPlatformAdmin(user);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const scope = cursorScope('orgs', all ? '*' : user.user_id);
    // An empty `cursor` asks for the first page of this list.
    const after = positionAfter(this.cursors, query.cursor || undefined, scope);
    // Outside a transaction: the page and its count run at once, each on a connection of its own.
    const { rows, total } = await this.orgs.page(await this.reads.manager(user.user_id), { memberId: all ? undefined : user.user_id, after, limit });
    const page = this.cursors.page(rows, limit, scope, (row) => timeIdPosition(row.created_at, row.org_id));
    return { orgs: page.items.map(toOrganizationResponse), total, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(orgId: string): Promise<OrganizationResponse> {
    const row = await this.orgs.findById(this.dataSource.manager, orgId);
    if (!row) throw new NotFoundError('organization', orgId);
    return organizationResource(row);
  }

  /** The row is locked first: `If-Match` is compared, and the event's before read, under that lock. */
  async update(ctx: RequestContext, orgId: string, dto: UpdateOrganizationDto): Promise<OrganizationResponse> {
    return transaction(
      this.dataSource,
      async (m) => {
        const before = await this.orgs.findById(m, orgId, true);
        checkPrecondition(ctx, 'organization', orgId, before ? versionETag(before.version) : null);
        const row = before && (await this.orgs.update(m, orgId, dto));
        if (!before || !row) throw new NotFoundError('organization', orgId);
        const org = organizationResource(row);
        const event = orgEvent('org.updated', org, toOrganizationResponse(before));
        if (event.changes) await this.events.record(m, ctx, event);
        return org;
      },
      ctx,
    );
  }

  /** Its workspaces and memberships go with it; the one `org.deleted` event stands for them all. */
  async remove(ctx: RequestContext, orgId: string): Promise<void> {
    await transaction(
      this.dataSource,
      async (m) => {
        const before = await this.orgs.findById(m, orgId, true);
        checkPrecondition(ctx, 'organization', orgId, before ? versionETag(before.version) : null);
        if (!before) throw new NotFoundError('organization', orgId);
        await this.orgs.delete(m, orgId);
        await this.events.record(m, ctx, orgDeleted(orgId));
      },
      ctx,
    );
  }
}
