import type { MemberFields } from '../database/entities/member-fields.js';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto.js';
import { cappedCountSql, containsPattern, userSearchSql } from '../database/user-search.js';
import { scopeIdOf, type MembershipScope } from './membership-scope.js';

/**
 * Without any of `role`, `search`, `limit`, `cursor` a member list answers the reference's plain
 * `{members, total}`; so that a huge scope cannot produce an unbounded response, that plain answer
 * holds at most this many members and, past it, carries `has_more`/`next_cursor` too.
 */
export const UNPAGED_MEMBER_LIMIT = 1000;

export interface MemberListQuery {
  role?: string;
  search?: string;
  limit?: number;
  cursor?: string;
}

/** Where the memberships live: `org_members` by `org_id`, or `workspace_members` by `workspace_id`. */
interface MemberTable {
  table: 'org_members' | 'workspace_members';
  scopeColumn: 'org_id' | 'workspace_id';
}

const TABLES: Record<MembershipScope['kind'], MemberTable> = {
  org: { table: 'org_members', scopeColumn: 'org_id' },
  workspace: { table: 'workspace_members', scopeColumn: 'workspace_id' },
};

export interface MemberRow extends MemberFields {
  /** The membership row's and the user row's versions: a member object shows fields of both. */
  member_version: number;
  user_version: number;
}

/** A membership locked for a change: its role and what its tag is made of. */
export interface LockedMembership<R extends string> {
  role: R;
  member_version: number;
  user_version: number;
}

const MEMBER_COLUMNS =
  'm.user_id, m.role, u.username, u.email, u.full_name, u.avatar_url, m.added_by, m.created_at, m.updated_at, m.version AS member_version, u.version AS user_version';

export interface MemberPage {
  rows: MemberRow[];
  total: number;
  paged: boolean;
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * Every statement on `org_members` and `workspace_members`, and the row locks that guard them.
 * Each method runs on the manager it is given, so a change stays inside the caller's transaction.
 */
@Injectable()
export class MembershipsRepository {
  constructor(private readonly cursors: CursorCodec) {}

  /**
   * One page of a scope's members in membership order (`created_at`, then `user_id`), keyset-paged on
   * the `(scope, created_at, user_id)` index, with the total of every match (capped for a search).
   * A workspace's unfiltered total is its maintained `member_count`.
   */
  async list(m: EntityManager, scope: MembershipScope, q: MemberListQuery): Promise<MemberPage> {
    const where = TABLES[scope.kind];
    const scopeId = scopeIdOf(scope);
    const paged = q.role !== undefined || q.search !== undefined || q.limit !== undefined || q.cursor !== undefined;
    const limit = q.limit ?? (paged ? DEFAULT_PAGE_SIZE : UNPAGED_MEMBER_LIMIT);
    const cursor = cursorScope(where.table, scopeId, q.role ?? '', q.search ?? '');
    // An empty `cursor` asks for the first page (paged, as any `cursor` makes it).
    const after = positionAfter(this.cursors, q.cursor || undefined, cursor);

    const params: unknown[] = [scopeId];
    const filters = [`m.${where.scopeColumn} = $1`];
    if (q.role !== undefined) filters.push(`m.role = $${params.push(q.role)}`);
    if (q.search !== undefined) filters.push(userSearchSql(`$${params.push(containsPattern(q.search))}`, q.search));
    const filtered = filters.join(' AND ');
    const from = `FROM ${where.table} m JOIN users u ON u.user_id = m.user_id`;

    const pageParams = [...params];
    const keyset = after
      ? ` AND (m.created_at, m.user_id) > ($${pageParams.push(after.createdAt)}::timestamptz, $${pageParams.push(after.id)}::uuid)`
      : '';
    const pageSql = `SELECT ${MEMBER_COLUMNS} ${from} WHERE ${filtered}${keyset} ORDER BY m.created_at, m.user_id LIMIT $${pageParams.push(limit + 1)}`;
    const unfiltered = q.role === undefined && q.search === undefined;
    // A search counts its matches up to the cap the users search uses; a role filter counts exactly.
    const countSql = q.search === undefined ? `SELECT count(*)::int AS total FROM ${where.table} m WHERE ${filtered}` : cappedCountSql(`${from} WHERE ${filtered}`);
    const countAll = unfiltered && scope.kind === 'workspace' ? () => this.workspaceMemberCount(m, scopeId) : null;

    const [rows, total] = await Promise.all([
      m.query(pageSql, pageParams) as Promise<MemberRow[]>,
      countAll ? countAll() : m.query(countSql, params).then(([row]) => row.total as number),
    ]);
    const page = this.cursors.page(rows, limit, cursor, (row) => timeIdPosition(row.created_at, row.user_id));
    return { rows: page.items, total, paged, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  private async workspaceMemberCount(m: EntityManager, workspaceId: string): Promise<number> {
    const [row] = await m.query(`SELECT member_count FROM workspaces WHERE workspace_id = $1`, [workspaceId]);
    return (row?.member_count as number) ?? 0;
  }

  /** Key-share lock on the user row: the user cannot be deleted until commit. Whether it exists. */
  async lockUser(m: EntityManager, userId: string): Promise<boolean> {
    const [row] = await m.query(`SELECT user_id FROM users WHERE user_id = $1 FOR KEY SHARE`, [userId]);
    return row !== undefined;
  }

  /** Locks the org or workspace row, serializing every membership change of the scope. Whether it exists. */
  async lockScope(m: EntityManager, scope: MembershipScope): Promise<boolean> {
    const [row] =
      scope.kind === 'org'
        ? await m.query(`SELECT org_id FROM organizations WHERE org_id = $1 FOR NO KEY UPDATE`, [scope.orgId])
        : await m.query(`SELECT workspace_id FROM workspaces WHERE workspace_id = $1 AND org_id = $2 FOR NO KEY UPDATE`, [
            scope.workspaceId,
            scope.orgId,
          ]);
    return row !== undefined;
  }

  /** Locks the membership row; its role and versions, or null when there is none. */
  async lockMembership<R extends string>(m: EntityManager, scope: MembershipScope, userId: string): Promise<LockedMembership<R> | null> {
    const { table, scopeColumn } = TABLES[scope.kind];
    const [row] = await m.query(
      `SELECT m.role, m.version AS member_version, u.version AS user_version
         FROM ${table} m JOIN users u ON u.user_id = m.user_id
        WHERE m.${scopeColumn} = $1 AND m.user_id = $2 FOR UPDATE OF m`,
      [scopeIdOf(scope), userId],
    );
    return row ?? null;
  }

  /** The scope's own `owner` memberships (in a workspace, not ownership inherited from the org). */
  async countOwners(m: EntityManager, scope: MembershipScope): Promise<number> {
    const { table, scopeColumn } = TABLES[scope.kind];
    const [{ owners }] = await m.query(`SELECT count(*)::int AS owners FROM ${table} WHERE ${scopeColumn} = $1 AND role = 'owner'`, [scopeIdOf(scope)]);
    return owners;
  }

  /** An org `member` membership unless the user already has one; the new membership, if any. */
  async ensureOrgMember(m: EntityManager, orgId: string, userId: string, addedBy: string | null): Promise<MemberRow | undefined> {
    const [row]: MemberRow[] = await m.query(
      `WITH m AS (INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, 'member', $3) ON CONFLICT DO NOTHING RETURNING *)
       SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
      [orgId, userId, addedBy],
    );
    return row;
  }

  /** Inserts a membership; undefined when the user already is a member. */
  async insert(m: EntityManager, scope: MembershipScope, userId: string, role: string, addedBy: string | null): Promise<MemberRow | undefined> {
    const [row]: MemberRow[] =
      scope.kind === 'org'
        ? await m.query(
            `WITH m AS (
           INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (org_id, user_id) DO NOTHING RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
            [scope.orgId, userId, role, addedBy],
          )
        : await m.query(
            `WITH m AS (
           INSERT INTO workspace_members (workspace_id, user_id, role, added_by, user_created_at)
           SELECT $1, u.user_id, $3, $4, u.created_at FROM users u WHERE u.user_id = $2
           ON CONFLICT (workspace_id, user_id) DO NOTHING RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
            [scope.workspaceId, userId, role, addedBy],
          );
    return row;
  }

  async updateRole(m: EntityManager, scope: MembershipScope, userId: string, role: string): Promise<MemberRow> {
    const { table, scopeColumn } = TABLES[scope.kind];
    const [row]: MemberRow[] = await m.query(
      `WITH m AS (UPDATE ${table} SET role = $3 WHERE ${scopeColumn} = $1 AND user_id = $2 RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
      [scopeIdOf(scope), userId, role],
    );
    return row;
  }

  async delete(m: EntityManager, scope: MembershipScope, userId: string): Promise<void> {
    const { table, scopeColumn } = TABLES[scope.kind];
    await m.query(`DELETE FROM ${table} WHERE ${scopeColumn} = $1 AND user_id = $2`, [scopeIdOf(scope), userId]);
  }

  /** Locks, in id order, the org's workspaces the user is a member of; their ids. */
  async lockWorkspacesOfMember(m: EntityManager, orgId: string, userId: string): Promise<string[]> {
    const locked: { workspace_id: string }[] = await m.query(
      `SELECT w.workspace_id FROM workspaces w JOIN workspace_members wm ON wm.workspace_id = w.workspace_id
       WHERE w.org_id = $1 AND wm.user_id = $2 ORDER BY w.workspace_id FOR NO KEY UPDATE OF w`,
      [orgId, userId],
    );
    return locked.map((row) => row.workspace_id);
  }

  /** Those of the workspaces whose only owner is the user. */
  async soleOwnedWorkspaces(m: EntityManager, workspaceIds: string[], userId: string): Promise<string[]> {
    const soleOwned: { workspace_id: string }[] = await m.query(
      `SELECT workspace_id FROM workspace_members WHERE workspace_id = ANY($1::uuid[]) AND role = 'owner'
       GROUP BY workspace_id HAVING count(*) = 1 AND bool_or(user_id = $2) ORDER BY workspace_id`,
      [workspaceIds, userId],
    );
    return soleOwned.map((row) => row.workspace_id);
  }

  async deleteWorkspaceMemberships(m: EntityManager, workspaceIds: string[], userId: string): Promise<void> {
    await m.query(`DELETE FROM workspace_members WHERE workspace_id = ANY($1::uuid[]) AND user_id = $2`, [workspaceIds, userId]);
  }
}
