import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error.js';
import { sqlState } from '../common/errors/database-errors.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE, type PageQueryDto } from '../common/pagination/page-query.dto.js';
import { transaction } from '../database/transaction.js';
import { isPlatformAdmin, type User } from '../users/user.entity.js';
import type { CreateOrganizationDto, OrganizationListResponse, OrganizationResponse, UpdateOrganizationDto } from './organization.dto.js';
import { toOrganizationResponse, type OrganizationRow } from './organization.mapper.js';
import { insertWithSlug, slugConflict } from './slug-insert.js';
import { returnedRows } from './sql.js';

const ORG_COLUMNS = 'o.org_id, o.name, o.slug, o.created_at, o.updated_at';

/** Organizations: creation (the creator becomes owner), the caller's list, update and delete. */
@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  async create(user: User, dto: CreateOrganizationDto): Promise<OrganizationResponse> {
    return transaction(this.dataSource, async (m) => {
      const org = await insertWithSlug('organization', dto.slug, dto.name, async (slug) => {
        const rows: OrganizationRow[] = await m.query(
          `INSERT INTO organizations AS o (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING ${ORG_COLUMNS}`,
          [dto.name, slug],
        );
        return rows[0];
      });
      await m.query(`INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, 'owner', $2)`, [org.org_id, user.user_id]);
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
    // Two shapes so each walks its own index: every org by (created_at, org_id), or the caller's memberships.
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const from = all ? 'organizations o' : `organizations o JOIN org_members m ON m.org_id = o.org_id AND m.user_id = ${bind(user.user_id)}`;
    const countSql = `SELECT count(*)::int AS total FROM ${from}`;
    const countParams = [...params];
    const keyset = after ? `WHERE (o.created_at, o.org_id) > (${bind(after.createdAt)}::timestamptz, ${bind(after.id)}::uuid)` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query(`SELECT ${ORG_COLUMNS} FROM ${from} ${keyset} ORDER BY o.created_at, o.org_id LIMIT ${bind(limit + 1)}`, params) as Promise<
        OrganizationRow[]
      >,
      this.dataSource.query(countSql, countParams) as Promise<{ total: number }[]>,
    ]);
    const page = this.cursors.page(rows, limit, scope, (row) => timeIdPosition(row.created_at, row.org_id));
    return { orgs: page.items.map(toOrganizationResponse), total, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(orgId: string): Promise<OrganizationResponse> {
    const [row]: OrganizationRow[] = await this.dataSource.query(`SELECT ${ORG_COLUMNS} FROM organizations o WHERE o.org_id = $1`, [orgId]);
    if (!row) throw new NotFoundError('organization', orgId);
    return toOrganizationResponse(row);
  }

  async update(orgId: string, dto: UpdateOrganizationDto): Promise<OrganizationResponse> {
    let rows: OrganizationRow[];
    try {
      rows = returnedRows<OrganizationRow>(
        await this.dataSource.query(
          `UPDATE organizations o SET name = COALESCE($2, o.name), slug = COALESCE($3, o.slug) WHERE o.org_id = $1 RETURNING ${ORG_COLUMNS}`,
          [orgId, dto.name ?? null, dto.slug ?? null],
        ),
      );
    } catch (error) {
      if (sqlState(error) === '23505') throw slugConflict('organization');
      throw error;
    }
    if (!rows[0]) throw new NotFoundError('organization', orgId);
    return toOrganizationResponse(rows[0]);
  }

  /** Workspaces and every membership go with it (foreign keys cascade). */
  async remove(orgId: string): Promise<void> {
    await transaction(this.dataSource, (m) => m.query(`DELETE FROM organizations WHERE org_id = $1`, [orgId]));
  }
}
