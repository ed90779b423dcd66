import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { TimeIdPosition } from '../common/pagination/keyset.js';
import { normalizeRoles } from './dto/user-fields.js';
import type { CreateUserRequest, PlatformRole } from './dto/users.dto.js';
import { returnedRows } from './user-errors.js';
import { cappedCountSql, containsPattern, userSearchSql } from '../database/user-search.js';
import { USER_SELECT, type User } from '../database/entities/user.entity.js';

type Queryable = Pick<EntityManager, 'query'>;

/** A user row with the email of an update folded by the database, for comparing with the stored one. */
export type LockedUser = User & { _email: string | null };
export type ListRow = User & { _position: Date; _total?: number };
export interface AdminState {
  roles: string[];
  is_active: boolean;
  version: number;
}

/** Which users a list page holds: a workspace's members or everyone, narrowed by the filters. */
export interface UserFilter {
  workspaceId?: string;
  search?: string;
  isActive?: boolean;
  role?: PlatformRole;
}

/** Where a list reads its users, and the keyset it pages on (each with an index in that order). */
interface Source {
  from: string;
  where: string;
  position: string;
  /** The keyset columns, listed (for ORDER BY: a row value there would not be read from an index). */
  key: string;
}

/** Members of a workspace, by the copy of each user's `created_at` (`workspace_members_users_keyset_idx`). */
const membersOf = (param: string): Source => ({
  from: 'workspace_members wm JOIN users u ON u.user_id = wm.user_id',
  where: `wm.workspace_id = ${param}`,
  position: 'wm.user_created_at',
  key: 'wm.user_created_at, wm.user_id',
});

/** Every user, for a platform admin (`users_created_at_idx`). */
const EVERYONE: Source = { from: 'users u', where: 'TRUE', position: 'u.created_at', key: 'u.created_at, u.user_id' };

/** A whole workspace, unfiltered: its maintained member count is its total. */
export function wholeWorkspace(filter: UserFilter): boolean {
  return !!filter.workspaceId && filter.search === undefined && filter.isActive === undefined && filter.role === undefined;
}

/**
 * Every statement on `users`, and the row locks user changes take. Those locks are always taken in
 * this order: the workspace named as default, the active admins, the user row, then the scopes the
 * user owns and their owner memberships. Deleting a user or a workspace takes its own row before the
 * rows that refer to it, so these orders make two such transactions wait for each other rather than
 * deadlock. Methods taking an `EntityManager` run inside the caller's transaction.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: Queryable, dto: CreateUserRequest, passwordHash: string): Promise<User> {
    const [row] = await m.query(
      `INSERT INTO users AS u (email, username, password_hash, full_name, avatar_url, bio, timezone, locale,
                               preferences, settings, roles, is_active, is_verified)
       VALUES (lower(normalize($1::text, NFKC)), $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13)
       RETURNING ${USER_SELECT}`,
      [
        dto.email,
        dto.username,
        passwordHash,
        dto.full_name ?? null,
        dto.avatar_url ?? null,
        dto.bio ?? null,
        dto.timezone ?? null,
        dto.locale ?? null,
        JSON.stringify(dto.preferences ?? {}),
        JSON.stringify(dto.settings ?? {}),
        normalizeRoles(dto.roles ?? []),
        dto.is_active ?? true,
        dto.is_verified ?? false,
      ],
    );
    return row;
  }

  async findById(userId: string, db: Queryable = this.dataSource): Promise<User | undefined> {
    const [row] = await db.query(`SELECT ${USER_SELECT} FROM users u WHERE u.user_id = $1`, [userId]);
    return row;
  }

  async findWorkspaceMember(userId: string, workspaceId: string, db: Queryable = this.dataSource): Promise<User | undefined> {
    const [row] = await db.query(
      `SELECT ${USER_SELECT} FROM workspace_members wm JOIN users u ON u.user_id = wm.user_id
        WHERE wm.workspace_id = $2 AND wm.user_id = $1`,
      [userId, workspaceId],
    );
    return row;
  }

  /** The user, when they share a workspace with `callerId`. */
  async findSharingWorkspace(userId: string, callerId: string, db: Queryable = this.dataSource): Promise<User | undefined> {
    const [row] = await db.query(
      `SELECT ${USER_SELECT} FROM users u
        WHERE u.user_id = $1
          AND EXISTS (SELECT 1 FROM workspace_members mine
                        JOIN workspace_members theirs ON theirs.workspace_id = mine.workspace_id AND theirs.user_id = $1
                       WHERE mine.user_id = $2)`,
      [userId, callerId],
    );
    return row;
  }

  async passwordHash(userId: string): Promise<string | undefined> {
    const [stored] = await this.dataSource.query(`SELECT password_hash FROM users WHERE user_id = $1`, [userId]);
    return stored?.password_hash;
  }

  /** Locks the user row; an email is folded as the unique index compares it: NFKC, then the database's lower(). */
  async lockForUpdate(em: EntityManager, userId: string, email: string | null): Promise<LockedUser | undefined> {
    const [row] = await em.query(`SELECT ${USER_SELECT}, lower(normalize($2::text, NFKC)) AS _email FROM users u WHERE u.user_id = $1 FOR UPDATE`, [
      userId,
      email,
    ]);
    return row;
  }

  /** Writes `set` (column → value, JSON columns already serialized) and returns the row. */
  async updateColumns(em: EntityManager, userId: string, set: Record<string, unknown>): Promise<User> {
    const columns = Object.keys(set);
    const assignments = columns.map((c, i) => `${c} = $${i + 2}${c === 'preferences' || c === 'settings' ? '::jsonb' : ''}`);
    const [row] = returnedRows<User>(
      await em.query(`UPDATE users u SET ${assignments.join(', ')} WHERE u.user_id = $1 RETURNING ${USER_SELECT}`, [userId, ...columns.map((c) => set[c])]),
    );
    return row;
  }

  /** RFC 7396 merge by one UPDATE, so concurrent patches of different keys all survive. */
  async mergePreferences(m: Queryable, userId: string, patch: Record<string, unknown>): Promise<User | undefined> {
    const [row] = returnedRows<User>(
      await m.query(
        `UPDATE users u SET preferences = jsonb_merge_patch(u.preferences, $2::jsonb) WHERE u.user_id = $1 RETURNING ${USER_SELECT}`,
        [userId, JSON.stringify(patch)],
      ),
    );
    return row;
  }

  /** Roles, activity and version, unlocked (`lock` false) or with the row locked. */
  async adminState(em: EntityManager, userId: string, lock: boolean): Promise<AdminState | undefined> {
    const [row] = await em.query(`SELECT roles, is_active, version FROM users WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`, [userId]);
    return row;
  }

  /** The stored preferences, with the row locked until commit (what a merge patch starts from). */
  async lockPreferences(m: EntityManager, userId: string): Promise<{ preferences: Record<string, unknown>; version: number } | undefined> {
    const [row] = await m.query(`SELECT preferences, version FROM users WHERE user_id = $1 FOR UPDATE`, [userId]);
    return row;
  }

  async delete(em: EntityManager, userId: string): Promise<void> {
    await em.query(`DELETE FROM users WHERE user_id = $1`, [userId]);
  }

  /** Locks every active platform admin row (in id order) and returns their ids. */
  async lockActiveAdmins(em: EntityManager): Promise<string[]> {
    const rows = await em.query(`SELECT user_id FROM users WHERE 'admin' = ANY(roles) AND is_active ORDER BY user_id FOR UPDATE`);
    return rows.map((r: { user_id: string }) => r.user_id);
  }

  /** Holds the membership until commit; false when there is none. */
  async lockMembership(em: EntityManager, workspaceId: string, userId: string): Promise<boolean> {
    const [member] = await em.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 FOR KEY SHARE`, [workspaceId, userId]);
    return !!member;
  }

  /** Holds the workspace until commit; false when it does not exist (or was deleted meanwhile). */
  async lockWorkspace(em: EntityManager, workspaceId: string): Promise<boolean> {
    const [workspace] = await em.query(`SELECT 1 FROM workspaces WHERE workspace_id = $1 FOR KEY SHARE`, [workspaceId]);
    return !!workspace;
  }

  /**
   * The scopes (workspaces or orgs) where `userId` is the only owner. Locks the scope rows and then
   * their owner memberships, the order the membership services use, so a concurrent demotion or
   * removal of another owner waits for this transaction (or this one for it) and then sees its result.
   */
  async lastOwnerships(
    em: EntityManager,
    members: 'workspace_members' | 'org_members',
    scopes: 'workspaces' | 'organizations',
    key: 'workspace_id' | 'org_id',
    userId: string,
  ): Promise<string[]> {
    const owned = `SELECT ${key} FROM ${members} WHERE user_id = $1 AND role = 'owner'`;
    const locked = await em.query(`SELECT ${key} FROM ${scopes} WHERE ${key} IN (${owned}) ORDER BY ${key} FOR NO KEY UPDATE`, [userId]);
    if (locked.length === 0) return [];
    const owners = (await em.query(
      `SELECT ${key} AS scope_id, user_id FROM ${members}
        WHERE role = 'owner' AND ${key} = ANY($1::uuid[])
        ORDER BY ${key}, user_id FOR UPDATE`,
      [locked.map((r: Record<string, string>) => r[key])],
    )) as { scope_id: string; user_id: string }[];
    const byScope = new Map<string, string[]>();
    for (const o of owners) byScope.set(o.scope_id, [...(byScope.get(o.scope_id) ?? []), o.user_id]);
    return [...byScope].filter(([, ids]) => ids.length === 1 && ids[0] === userId).map(([id]) => id);
  }

  /**
   * Up to `limit` users after `after`, keyset-paged on `(created_at, user_id)`, so page 1000 costs
   * what page 1 does; the filters are written out as literals where they can be, so the planner can
   * match them to partial indexes. A whole workspace's maintained member count rides along as
   * `_total` (one round trip).
   */
  page(filter: UserFilter, after: TimeIdPosition | undefined, limit: number, db: Queryable = this.dataSource): Promise<ListRow[]> {
    const { source, conditions, params } = listSql(filter);
    const pageParams = [...params];
    let keyset = '';
    if (after) {
      pageParams.push(after.createdAt, after.id);
      keyset = `AND (${source.key}) > ($${pageParams.length - 1}::timestamptz, $${pageParams.length}::uuid)`;
    }
    pageParams.push(limit + 1);
    const memberCount = wholeWorkspace(filter) ? `, (SELECT member_count FROM workspaces WHERE workspace_id = $1) AS _total` : '';
    return db.query(
      `SELECT ${USER_SELECT}, ${source.position} AS _position${memberCount}
         FROM ${source.from}
        WHERE ${source.where} ${keyset} ${conditions}
        ORDER BY ${source.key}
        LIMIT $${pageParams.length}`,
      pageParams,
    );
  }

  /**
   * The matches counted up to the cap, in the caller's transaction. A search counts from the trigram
   * index: with `LIMIT` the planner takes matches to be spread evenly over the table and prefers
   * reading `users` in order until it has enough: 27–220 ms at 1M members for a name one in twenty
   * carries, against 22 ms from the index.
   */
  async cappedCount(em: EntityManager, filter: UserFilter): Promise<number> {
    const { source, conditions, params } = listSql(filter);
    // For this transaction only (the pool may be PgBouncer in transaction mode), in one round trip.
    // No parallel workers: with many searches at once they cost more CPU than they save.
    if (filter.search !== undefined) await em.query(`SET LOCAL enable_seqscan = off; SET LOCAL max_parallel_workers_per_gather = 0`);
    const sql = cappedCountSql(`FROM ${source.from} WHERE ${source.where} ${conditions}`);
    return Number((await em.query(sql, params))[0].total);
  }

  async memberCount(workspaceId: string, db: Queryable = this.dataSource): Promise<number> {
    const [row] = await db.query(`SELECT member_count FROM workspaces WHERE workspace_id = $1`, [workspaceId]);
    return Number(row?.member_count ?? 0);
  }
}

/** The source of a list and the conditions on `u` beyond its own, with the parameters they need. */
function listSql(filter: UserFilter): { source: Source; conditions: string; params: unknown[] } {
  const params: unknown[] = filter.workspaceId ? [filter.workspaceId] : [];
  const source = filter.workspaceId ? membersOf('$1') : EVERYONE;
  const conditions: string[] = [];
  if (filter.search !== undefined) {
    params.push(containsPattern(filter.search));
    conditions.push(userSearchSql(`$${params.length}`, filter.search));
  }
  if (filter.isActive !== undefined) conditions.push(filter.isActive ? 'u.is_active' : 'NOT u.is_active');
  if (filter.role !== undefined) conditions.push(filter.role === 'admin' ? `'admin' = ANY(u.roles)` : `NOT ('admin' = ANY(u.roles))`);
  return { source, conditions: conditions.map((c) => `AND ${c}`).join(' '), params };
}
