import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sqlState } from '../common/errors/database-errors.js';
import { versionETag, withETag } from '../common/http/conditional/etag.js';
import type { TimeIdPosition } from '../common/pagination/keyset.js';
import { insertWithSlug, slugConflict } from './slug-insert.js';
import type { OwnerRow } from './resource-events.js';
import { MEMBER_WITH_USER, returnedRows } from './sql.js';
import type { WorkspaceResponse } from './workspace.dto.js';

export interface WorkspaceRow {
  workspace_id: string;
  org_id: string;
  name: string;
  slug: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface WorkspacePageRequest {
  orgId: string;
  /** Only the workspaces this user is a member of; undefined for every one of the org. */
  memberId?: string;
  after?: TimeIdPosition;
  limit: number;
}

const WORKSPACE_COLUMNS = 'w.workspace_id, w.org_id, w.name, w.slug, w.description, w.created_at, w.updated_at, w.version';

export function toWorkspaceResponse(row: WorkspaceRow): WorkspaceResponse {
  return {
    workspace_id: row.workspace_id,
    org_id: row.org_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** One workspace as a response of its own, tagged for `ETag`. */
export function workspaceResource(row: WorkspaceRow): WorkspaceResponse {
  return withETag(toWorkspaceResponse(row), versionETag(row.version));
}

/**
 * The SQL of `workspaces`, and of the owner membership a workspace is created with. Each method
 * runs on the manager it is given, so the caller decides what shares a transaction.
 */
@Injectable()
export class WorkspacesRepository {
  /** With the given slug (taken in the org: 409), or one derived from the name and retried with a suffix. */
  create(m: EntityManager, orgId: string, fields: { name: string; slug?: string; description?: string | null }): Promise<WorkspaceRow> {
    return insertWithSlug('workspace', fields.slug, fields.name, async (slug) => {
      const rows: WorkspaceRow[] = await m.query(
        `INSERT INTO workspaces AS w (org_id, name, slug, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT ON CONSTRAINT workspaces_org_slug_key DO NOTHING RETURNING ${WORKSPACE_COLUMNS}`,
        [orgId, fields.name, slug, fields.description ?? null],
      );
      return rows[0];
    });
  }

  /** Undefined when the user no longer exists. */
  async addOwner(m: EntityManager, workspaceId: string, userId: string): Promise<OwnerRow | undefined> {
    const [owner]: OwnerRow[] = await m.query(
      `WITH m AS (INSERT INTO workspace_members (workspace_id, user_id, role, added_by, user_created_at)
       SELECT $1, u.user_id, 'owner', u.user_id, u.created_at FROM users u WHERE u.user_id = $2 RETURNING *) ${MEMBER_WITH_USER}`,
      [workspaceId, userId],
    );
    return owner;
  }

  /** One page, oldest first, with `limit + 1` rows so the caller sees whether more follow; and the total. */
  async page(m: EntityManager, request: WorkspacePageRequest): Promise<{ rows: WorkspaceRow[]; total: number }> {
    const { orgId, memberId, after, limit } = request;
    // Two shapes so each walks its own index: the org's workspaces, or the caller's memberships.
    const params: unknown[] = [orgId];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const from =
      memberId === undefined
        ? 'workspaces w'
        : `workspaces w JOIN workspace_members wm ON wm.workspace_id = w.workspace_id AND wm.user_id = ${bind(memberId)}`;
    const countSql = `SELECT count(*)::int AS total FROM ${from} WHERE w.org_id = $1`;
    const countParams = [...params];
    const keyset = after ? `AND (w.created_at, w.workspace_id) > (${bind(after.createdAt)}::timestamptz, ${bind(after.id)}::uuid)` : '';
    const [rows, [{ total }]] = await Promise.all([
      m.query(
        `SELECT ${WORKSPACE_COLUMNS} FROM ${from} WHERE w.org_id = $1 ${keyset} ORDER BY w.created_at, w.workspace_id LIMIT ${bind(limit + 1)}`,
        params,
      ) as Promise<WorkspaceRow[]>,
      m.query(countSql, countParams) as Promise<{ total: number }[]>,
    ]);
    return { rows, total };
  }

  /** With `lock`, the row stays locked until commit (an update or delete reads what it changes). */
  async findById(m: EntityManager, workspaceId: string, lock = false): Promise<WorkspaceRow | undefined> {
    const [row]: WorkspaceRow[] = await m.query(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.workspace_id = $1${lock ? ' FOR UPDATE' : ''}`, [
      workspaceId,
    ]);
    return row;
  }

  /** The row's version, locked until commit; undefined when there is no such workspace. */
  async lockVersion(m: EntityManager, workspaceId: string): Promise<number | undefined> {
    const [row] = await m.query(`SELECT version FROM workspaces WHERE workspace_id = $1 FOR UPDATE`, [workspaceId]);
    return row?.version;
  }

  /**
   * Absent fields stay unchanged and `description: null` clears it; undefined when there is no such
   * workspace, 409 when the slug is taken in its org.
   */
  async update(
    m: EntityManager,
    workspaceId: string,
    fields: { name?: string; slug?: string; description?: string | null },
  ): Promise<WorkspaceRow | undefined> {
    try {
      const rows = returnedRows<WorkspaceRow>(
        await m.query(
          `UPDATE workspaces w SET name = COALESCE($2, w.name), slug = COALESCE($3, w.slug),
             description = CASE WHEN $4 THEN $5 ELSE w.description END
           WHERE w.workspace_id = $1 RETURNING ${WORKSPACE_COLUMNS}`,
          [workspaceId, fields.name ?? null, fields.slug ?? null, fields.description !== undefined, fields.description ?? null],
        ),
      );
      return rows[0];
    } catch (error) {
      if (sqlState(error) === '23505') throw slugConflict('workspace');
      throw error;
    }
  }

  /** Its memberships go with it (foreign keys cascade). */
  async delete(m: EntityManager, workspaceId: string): Promise<void> {
    await m.query(`DELETE FROM workspaces WHERE workspace_id = $1`, [workspaceId]);
  }
}
