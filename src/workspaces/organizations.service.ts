import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import { isPlatformAdmin, type User } from '../database/entities/user.entity.js';
import type { CreateOrganizationDto, OrganizationListResponse, OrganizationResponse, UpdateOrganizationDto } from './organization.dto.js';
import { OrganizationsRepository, toOrganizationResponse } from './organizations.repository.js';

/** Organizations: creation (the creator becomes owner), the caller's list, update and delete. */
@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
    private readonly orgs: OrganizationsRepository,
  ) {}

  async create(user: User, dto: CreateOrganizationDto): Promise<OrganizationResponse> {
    return transaction(this.dataSource, async (m) => {
      const org = await this.orgs.create(m, dto.name, dto.slug);
      await this.orgs.addOwner(m, org.org_id, user.user_id);
      return toOrganizationResponse(org);
    });
  }

  /** The caller's organizations (every one for a platform admin), oldest first. */
  async list(user: User, query: PageQueryDto): Promise<OrganizationListResponse> {
    const all = isPlatformAdmin(user);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const scope = cursorScope('orgs', all ? '*' : user.user_id);
    // An empty `cursor` asks for the first page of this list.
    const after = positionAfter(this.cursors, query.cursor || undefined, scope);
    // Outside a transaction: the page and its count run at once, each on a connection of its own.
    const { rows, total } = await this.orgs.page(this.dataSource.manager, { memberId: all ? undefined : user.user_id, after, limit });
    const page = this.cursors.page(rows, limit, scope, (row) => timeIdPosition(row.created_at, row.org_id));
    return { orgs: page.items.map(toOrganizationResponse), total, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(orgId: string): Promise<OrganizationResponse> {
    const row = await this.orgs.findById(this.dataSource.manager, orgId);
    if (!row) throw new NotFoundError('organization', orgId);
    return toOrganizationResponse(row);
  }

  async update(orgId: string, dto: UpdateOrganizationDto): Promise<OrganizationResponse> {
    const row = await this.orgs.update(this.dataSource.manager, orgId, dto);
    if (!row) throw new NotFoundError('organization', orgId);
    return toOrganizationResponse(row);
  }

  async remove(orgId: string): Promise<void> {
    await transaction(this.dataSource, (m) => this.orgs.delete(m, orgId));
  }
}
