import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sqlState } from '../common/errors/database-errors.js';
import { versionETag, withETag } from '../common/http/conditional/etag.js';
import type { TimeIdPosition } from '../common/pagination/keyset.js';
import type { OrganizationResponse } from './organization.dto.js';
import { insertWithSlug, slugConflict } from './slug-insert.js';
import type { OwnerRow } from './resource-events.js';
import { MEMBER_WITH_USER, returnedRows } from './sql.js';

export interface OrganizationRow {
  org_id: string;
  name: string;
  slug: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface OrganizationPageRequest {
  /** Only this user's organizations; undefined for every one. */
  memberId?: string;
  after?: TimeIdPosition;
  limit: number;
}

const ORG_COLUMNS = 'o.org_id, o.name, o.slug, o.created_at, o.updated_at, o.version';

export function toOrganizationResponse(row: OrganizationRow): OrganizationResponse {
  return {
    org_id: row.org_id,
    name: row.name,
    slug: row.slug,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** One organization as a response of its own, tagged for `ETag`. */
export function organizationResource(row: OrganizationRow): OrganizationResponse {
  return withETag(toOrganizationResponse(row), versionETag(row.version));
}

/**
 * The SQL of `organizations`, and of the memberships an organization is created with. Each method
 * runs on the manager it is given, so the caller decides what shares a transaction.
 */
@Injectable()
export class OrganizationsRepository {
  /** With the given slug (taken: 409), or one derived from the name and retried with a suffix. */
  create(m: EntityManager, name: string, slug: string | undefined): Promise<OrganizationRow> {
    return insertWithSlug('organization', slug, name, async (candidate) => {
      const rows: OrganizationRow[] = await m.query(
        `INSERT INTO organizations AS o (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING ${ORG_COLUMNS}`,
        [name, candidate],
      );
      return rows[0];
    });
  }

  async addOwner(m: EntityManager, orgId: string, userId: string): Promise<OwnerRow> {
    const [row]: OwnerRow[] = await m.query(
      `WITH m AS (INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, 'owner', $2) RETURNING *) ${MEMBER_WITH_USER}`,
      [orgId, userId],
    );
    return row;
  }

  /** Makes the user a member unless they already are one, in whatever role; the new membership, if any. */
  async joinAsMember(m: EntityManager, orgId: string, userId: string): Promise<OwnerRow | undefined> {
    const [row]: OwnerRow[] = await m.query(
      `WITH m AS (INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, 'member', $2) ON CONFLICT DO NOTHING RETURNING *)
       ${MEMBER_WITH_USER}`,
      [orgId, userId],
    );
    return row;
  }

  /** One page, oldest first, with `limit + 1` rows so the caller sees whether more follow; and the total. */
  async page(m: EntityManager, request: OrganizationPageRequest): Promise<{ rows: OrganizationRow[]; total: number }> {
    const { memberId, after, limit } = request;
    // Two shapes so each walks its own index: every org by (created_at, org_id), or the caller's memberships.
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const from = memberId === undefined ? 'organizations o' : `organizations o JOIN org_members m ON m.org_id = o.org_id AND m.user_id = ${bind(memberId)}`;
    const countSql = `SELECT count(*)::int AS total FROM ${from}`;
    const countParams = [...params];
    const keyset = after ? `WHERE (o.created_at, o.org_id) > (${bind(after.createdAt)}::timestamptz, ${bind(after.id)}::uuid)` : '';
    const [rows, [{ total }]] = await Promise.all([
      m.query(`SELECT ${ORG_COLUMNS} FROM ${from} ${keyset} ORDER BY o.created_at, o.org_id LIMIT ${bind(limit + 1)}`, params) as Promise<OrganizationRow[]>,
      m.query(countSql, countParams) as Promise<{ total: number }[]>,
    ]);
    return { rows, total };
  }

  /** With `lock`, the row stays locked until commit (an update or delete reads what it changes). */
  async findById(m: EntityManager, orgId: string, lock = false): Promise<OrganizationRow | undefined> {
    const [row]: OrganizationRow[] = await m.query(`SELECT ${ORG_COLUMNS} FROM organizations o WHERE o.org_id = $1${lock ? ' FOR UPDATE' : ''}`, [orgId]);
    return row;
  }

  /** The row's version, locked until commit; undefined when there is no such organization. */
  async lockVersion(m: EntityManager, orgId: string): Promise<number | undefined> {
    const [row] = await m.query(`SELECT version FROM organizations WHERE org_id = $1 FOR UPDATE`, [orgId]);
    return row?.version;
  }

  /** Absent fields stay unchanged; undefined when there is no such organization, 409 when the slug is taken. */
  async update(m: EntityManager, orgId: string, fields: { name?: string; slug?: string }): Promise<OrganizationRow | undefined> {
    try {
      const rows = returnedRows<OrganizationRow>(
        await m.query(
          `UPDATE organizations o SET name = COALESCE($2, o.name), slug = COALESCE($3, o.slug) WHERE o.org_id = $1 RETURNING ${ORG_COLUMNS}`,
          [orgId, fields.name ?? null, fields.slug ?? null],
        ),
      );
      return rows[0];
    } catch (error) {
      if (sqlState(error) === '23505') throw slugConflict('organization');
      throw error;
    }
  }

  /** Workspaces and every membership go with it (foreign keys cascade). */
  async delete(m: EntityManager, orgId: string): Promise<void> {
    await m.query(`DELETE FROM organizations WHERE org_id = $1`, [orgId]);
  }
}
