import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import { RefreshTokens } from '../auth/refresh-tokens.js';
import { AuthenticationError, ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';
import { transaction } from '../database/transaction.js';
import { normalizeRoles } from './dto/user-fields.js';
import type { UserResponse } from './dto/user-response.dto.js';
import type { CreateUserRequest, UpdateUserRequest } from './dto/users.dto.js';
import { duplicateUserConflict, jsonSizeViolation, lastAdmin, lastOwnerOfUser, returnedRows } from './user-errors.js';
import { assertMember, lastOwnerships, lockActiveAdmins, lockWorkspace } from './user-locks.js';
import { toUserResponse } from './user-response.js';
import { isPlatformAdmin, USER_SELECT, type User } from './user.entity.js';

type Row = User;

/** Columns a PUT may write, straight from the body (others are derived or guarded). */
const PLAIN_FIELDS = ['username', 'full_name', 'avatar_url', 'bio', 'timezone', 'locale'] as const;
const JSON_FIELDS = ['preferences', 'settings'] as const;

/**
 * Users. Permissions are declared on the controller and decided by the guard; this
 * service enforces what depends on the rows: self-versus-admin fields, the last admin, the last
 * owner, uniqueness, visibility of other users.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokens,
    private readonly access: AccessService,
  ) {}

  async create(dto: CreateUserRequest): Promise<UserResponse> {
    const hash = await this.hasher.hash(dto.password);
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO users AS u (email, username, password_hash, full_name, avatar_url, bio, timezone, locale,
                                 preferences, settings, roles, is_active, is_verified)
         VALUES (lower(normalize($1::text, NFKC)), $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13)
         RETURNING ${USER_SELECT}`,
        [
          dto.email,
          dto.username,
          hash,
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
      return toUserResponse(row);
    } catch (error) {
      throw duplicateUserConflict(error) ?? jsonSizeViolation(error, (f) => dto[f]) ?? error;
    }
  }

  /**
   * Without a workspace: oneself (no query: the guard loaded the caller), anyone for a platform
   * admin, else only a user sharing a workspace with the caller. With one: `users:read` there, and
   * the target must be a member. Whoever may not see the user gets the same 404 as for no user.
   */
  async findVisible(caller: User, userId: string, workspaceId?: string): Promise<UserResponse> {
    if (workspaceId) {
      await this.access.authorize(caller, 'users:read', { workspaceId });
      const [row] = await this.dataSource.query(
        `SELECT ${USER_SELECT} FROM workspace_members wm JOIN users u ON u.user_id = wm.user_id
          WHERE wm.workspace_id = $2 AND wm.user_id = $1`,
        [userId, workspaceId],
      );
      if (!row) throw new NotFoundError('user', userId);
      return toUserResponse(row);
    }
    if (userId.toLowerCase() === caller.user_id) return toUserResponse(caller);
    const [row] = isPlatformAdmin(caller)
      ? await this.dataSource.query(`SELECT ${USER_SELECT} FROM users u WHERE u.user_id = $1`, [userId])
      : await this.dataSource.query(
          `SELECT ${USER_SELECT} FROM users u
            WHERE u.user_id = $1
              AND EXISTS (SELECT 1 FROM workspace_members mine
                            JOIN workspace_members theirs ON theirs.workspace_id = mine.workspace_id AND theirs.user_id = $1
                           WHERE mine.user_id = $2)`,
          [userId, caller.user_id],
        );
    if (!row) throw new NotFoundError('user', userId);
    return toUserResponse(row);
  }

  /**
   * Partial update. The guard has let through only the user themself or a platform admin. Fields
   * that only an admin may change answer 403 `users:manage` to anyone else, but only when they would
   * really change: a client may PUT back the whole object it got.
   */
  async update(caller: User, userId: string, dto: UpdateUserRequest, callerSession?: string): Promise<UserResponse> {
    const admin = isPlatformAdmin(caller);
    if (!admin) {
      // Not an admin, so the target is the caller, whose row the guard loaded on this request.
      const roleChange = dto.roles !== undefined && !sameRoles(normalizeRoles(dto.roles), caller.roles);
      const activeChange = dto.is_active !== undefined && dto.is_active !== caller.is_active;
      const verifiedChange = dto.is_verified !== undefined && dto.is_verified !== caller.is_verified;
      const passwordWithoutCurrent = dto.password !== undefined && dto.current_password === undefined;
      if (roleChange || activeChange || verifiedChange || passwordWithoutCurrent) throw new ForbiddenError('users:manage');
    }
    if (dto.password !== undefined && dto.current_password !== undefined) {
      const [stored] = await this.dataSource.query(`SELECT password_hash FROM users WHERE user_id = $1`, [userId]);
      if (!stored) throw new NotFoundError('user', userId);
      if (!(await this.hasher.verify(stored.password_hash, dto.current_password))) throw new AuthenticationError('Invalid credentials');
    }
    const newHash = dto.password !== undefined ? await this.hasher.hash(dto.password) : undefined;
    const touchesAdmins = admin && (dto.roles !== undefined || dto.is_active !== undefined);

    try {
      return await transaction(this.dataSource, async (em) => {
        // Lock order: the workspace to default to (deleting a workspace takes its row, then the users
        // defaulting to it: the same order, so the two wait instead of deadlocking), the set of
        // active admins, then the target row.
        if (dto.default_workspace_id) await lockWorkspace(em, dto.default_workspace_id);
        const admins = touchesAdmins ? await lockActiveAdmins(em) : undefined;
        // An email is stored as the unique index compares it: NFKC, then the database's lower().
        const [current] = (await em.query(`SELECT ${USER_SELECT}, lower(normalize($2::text, NFKC)) AS _email FROM users u WHERE u.user_id = $1 FOR UPDATE`, [
          userId,
          dto.email ?? null,
        ])) as (Row & { _email: string | null })[];
        if (!current) throw new NotFoundError('user', userId);

        const set: Record<string, unknown> = {};
        if (current._email !== null && current._email !== current.email) set.email = current._email;
        for (const field of PLAIN_FIELDS) {
          const value = dto[field];
          if (value !== undefined && value !== current[field]) set[field] = value;
        }
        for (const field of JSON_FIELDS) {
          const value = dto[field];
          if (value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field])) set[field] = JSON.stringify(value);
        }
        if (dto.roles !== undefined) {
          const roles = normalizeRoles(dto.roles);
          if (!sameRoles(roles, current.roles)) set.roles = roles;
        }
        if (dto.is_active !== undefined && dto.is_active !== current.is_active) set.is_active = dto.is_active;
        if (dto.is_verified !== undefined && dto.is_verified !== current.is_verified) set.is_verified = dto.is_verified;
        else if (set.email !== undefined) set.is_verified = false;
        if (newHash !== undefined) set.password_hash = newHash;

        if (admins) {
          const stillAdmin = ((set.roles as string[] | undefined) ?? current.roles).includes('admin') && ((set.is_active as boolean | undefined) ?? current.is_active);
          const wasActiveAdmin = current.roles.includes('admin') && current.is_active;
          if (wasActiveAdmin && !stillAdmin && !admins.some((id) => id !== current.user_id)) throw lastAdmin();
        }

        if (dto.default_workspace_id !== undefined && dto.default_workspace_id !== current.default_workspace_id) {
          if (dto.default_workspace_id !== null) await assertMember(em, dto.default_workspace_id, userId);
          set.default_workspace_id = dto.default_workspace_id;
        }

        if (Object.keys(set).length === 0) return toUserResponse(current);
        const columns = Object.keys(set);
        const assignments = columns.map((c, i) => `${c} = $${i + 2}${c === 'preferences' || c === 'settings' ? '::jsonb' : ''}`);
        const [row] = returnedRows<Row>(
          await em.query(`UPDATE users u SET ${assignments.join(', ')} WHERE u.user_id = $1 RETURNING ${USER_SELECT}`, [userId, ...columns.map((c) => set[c])]),
        );
        // A new password or a deactivation ends the user's other sessions at once; the session that
        // changed its own password stays signed in.
        if (newHash !== undefined || set.is_active === false) {
          await this.refreshTokens.revokeAllForUser(userId, em, caller.user_id === userId && set.is_active !== false ? callerSession : undefined);
        }
        return toUserResponse(row);
      });
    } catch (error) {
      throw duplicateUserConflict(error) ?? jsonSizeViolation(error, (f) => dto[f]) ?? error;
    }
  }

  /**
   * Deletes the user with their memberships and refresh tokens (foreign-key cascades), unless they
   * are the last active platform admin or the last owner of a workspace or organization: then 409
   * and nothing is deleted. Checks and delete share one transaction holding the owner rows' locks,
   * so a concurrent demotion of the other owner cannot slip in between.
   */
  async remove(userId: string): Promise<void> {
    await transaction(this.dataSource, async (em) => {
      const [peek] = await em.query(`SELECT roles, is_active FROM users WHERE user_id = $1`, [userId]);
      if (!peek) throw new NotFoundError('user', userId);
      if (peek.roles.includes('admin') && peek.is_active) {
        const admins = await lockActiveAdmins(em);
        if (admins.includes(userId) && admins.length === 1) throw lastAdmin();
      }
      const [target] = await em.query(`SELECT roles, is_active FROM users WHERE user_id = $1 FOR UPDATE`, [userId]);
      if (!target) throw new NotFoundError('user', userId);
      if (target.roles.includes('admin') && target.is_active && !(peek.roles.includes('admin') && peek.is_active)) {
        // Became an admin between the two reads: take the admin lock now (a deadlock is retried).
        const admins = await lockActiveAdmins(em);
        if (admins.length === 1) throw lastAdmin();
      }
      const workspaceIds = await lastOwnerships(em, 'workspace_members', 'workspaces', 'workspace_id', userId);
      const orgIds = await lastOwnerships(em, 'org_members', 'organizations', 'org_id', userId);
      if (workspaceIds.length > 0 || orgIds.length > 0) {
        throw lastOwnerOfUser(workspaceIds, orgIds);
      }
      await em.query(`DELETE FROM users WHERE user_id = $1`, [userId]);
    });
  }

  /**
   * RFC 7396 merge of `patch` into the stored preferences by one UPDATE, so concurrent patches of
   * different keys all survive (each applies to the row the previous one committed).
   */
  async patchPreferences(caller: User, patch: Record<string, unknown>): Promise<UserResponse> {
    try {
      const [row] = returnedRows<Row>(
        await this.dataSource.query(
          `UPDATE users u SET preferences = jsonb_merge_patch(u.preferences, $2::jsonb) WHERE u.user_id = $1 RETURNING ${USER_SELECT}`,
          [caller.user_id, JSON.stringify(patch)],
        ),
      );
      if (!row) throw new AuthenticationError();
      return toUserResponse(row);
    } catch (error) {
      throw jsonSizeViolation(error, () => patch) ?? error;
    }
  }
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return normalizeRoles(a)[0] === normalizeRoles(b)[0];
}

