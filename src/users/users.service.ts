import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import { RefreshTokens } from '../auth/refresh-tokens.js';
import { AuthenticationError, NotFoundError } from '../common/errors/app-error.js';
import { checkPrecondition } from '../common/http/conditional/etag.js';
import type { RequestContext } from '../common/request-context.js';
import { notWorkspaceMember } from '../database/foreign-keys.js';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import { userCreated, userDeleted, userUpdateEvents } from './user-events.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import type { UserResponse } from './dto/user-response.dto.js';
import { EMAIL_CHANGE_LISTENER, type EmailChangeListener } from './email-change.js';
import type { CreateUserRequest, UpdateUserRequest } from './dto/users.dto.js';
import { assertAdminRemains, assertSelfChangeAllowed, changeSet } from './user-changes.js';
import { duplicateUserConflict, jsonSizeViolation, lastAdmin, lastOwnerOfUser } from './user-errors.js';
import { userETag, userResource } from './user-response.js';
import { isPlatformAdmin, type User } from '../database/entities/user.entity.js';
import { UsersRepository } from './users.repository.js';

/** What an update decided before its transaction. */
interface UpdatePlan {
  newHash?: string;
  touchesAdmins: boolean;
  /** The session that stays signed in when the caller changes their own password. */
  keepSession?: string;
  /** Set by the transaction when it changed the email (and so queued a verification mail). */
  emailChanged?: boolean;
}

/**
 * Users. Permissions are declared on the controller and decided by the guard; this
 * service enforces what depends on the rows: self-versus-admin fields, the last admin, the last
 * owner, uniqueness, visibility of other users.
 */
@Injectable()
export class UsersService {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokens,
    private readonly access: AccessService,
    private readonly events: EventsService,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
    @Optional() @Inject(EMAIL_CHANGE_LISTENER) private readonly emailChange?: EmailChangeListener,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  /** One transaction: the request's own when it has one (an idempotent POST), else its own. */
  async create(ctx: RequestContext, dto: CreateUserRequest): Promise<UserResponse> {
    const hash = await this.hashPassword(dto.password);
    return transaction(this.dataSource, (m) => this.insert(ctx, m, dto, hash), ctx);
  }

  /**
   * `create` inside the caller's transaction `m` (an account opened by accepting an invitation or by
   * signing up), so the account exists only if the rest of that transaction commits.
   */
  async createWithin(ctx: RequestContext, m: EntityManager, dto: CreateUserRequest, hash?: string): Promise<UserResponse> {
    return this.insert(ctx, m, dto, hash ?? (await this.hashPassword(dto.password)));
  }

  /** A password's hash, for a caller that creates the user inside its own transaction without hashing under its locks. */
  hashPassword(password: string): Promise<string> {
    return this.hasher.hash(password);
  }

  private async insert(ctx: RequestContext, m: EntityManager, dto: CreateUserRequest, hash: string): Promise<UserResponse> {
    try {
      const row = await this.users.insert(m, dto, hash);
      await this.events.record(m, ctx, userCreated(row));
      return userResource(row);
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
    let row: User | undefined;
    if (workspaceId) {
      await this.access.authorize(caller, 'users:read', { workspaceId });
      row = await this.users.findWorkspaceMember(userId, workspaceId, await this.reads.manager(caller.user_id));
    } else if (userId.toLowerCase() === caller.user_id) {
      return userResource(caller);
    } else {
      const db = await this.reads.manager(caller.user_id);
      row = isPlatformAdmin(caller) ? await this.users.findById(userId, db) : await this.users.findSharingWorkspace(userId, caller.user_id, db);
    }
    if (!row) throw new NotFoundError('user', userId);
    return userResource(row);
  }

  /**
   * Partial update. The guard has let through only the user themself or a platform admin; fields
   * only an admin may change are checked by `assertSelfChangeAllowed`.
   */
  async update(ctx: RequestContext, caller: User, userId: string, dto: UpdateUserRequest, callerSession?: string): Promise<UserResponse> {
    const admin = isPlatformAdmin(caller);
    if (!admin) assertSelfChangeAllowed(caller, dto);
    if (dto.password !== undefined && dto.current_password !== undefined) await this.checkCurrentPassword(userId, dto.current_password);
    const plan: UpdatePlan = {
      newHash: dto.password !== undefined ? await this.hasher.hash(dto.password) : undefined,
      touchesAdmins: admin && (dto.roles !== undefined || dto.is_active !== undefined),
      keepSession: caller.user_id === userId ? callerSession : undefined,
    };
    let updated: UserResponse;
    try {
      updated = await transaction(this.dataSource, (em) => this.write(ctx, em, userId, dto, plan), ctx);
    } catch (error) {
      throw duplicateUserConflict(error) ?? jsonSizeViolation(error, (f) => dto[f]) ?? error;
    }
    if (plan.emailChanged) this.emailChange?.committed();
    return updated;
  }

  private async checkCurrentPassword(userId: string, currentPassword: string): Promise<void> {
    const stored = await this.users.passwordHash(userId);
    if (stored === undefined) throw new NotFoundError('user', userId);
    if (!(await this.hasher.verify(stored, currentPassword))) throw new AuthenticationError('Invalid credentials');
  }

  /**
   * Lock order: the workspace to default to (deleting a workspace takes its row, then the users
   * defaulting to it: the same order, so the two wait instead of deadlocking), the set of active
   * admins, then the target row.
   */
  private async write(ctx: RequestContext, em: EntityManager, userId: string, dto: UpdateUserRequest, plan: UpdatePlan): Promise<UserResponse> {
    if (dto.default_workspace_id && !(await this.users.lockWorkspace(em, dto.default_workspace_id))) throw notWorkspaceMember(dto.default_workspace_id);
    const admins = plan.touchesAdmins ? await this.users.lockActiveAdmins(em) : undefined;
    const current = await this.users.lockForUpdate(em, userId, dto.email ?? null);
    checkPrecondition(ctx, 'user', userId, current ? userETag(current) : null);
    if (!current) throw new NotFoundError('user', userId);

    const set = changeSet(current, dto, plan.newHash);
    if (admins) assertAdminRemains(current, set, admins);
    if (dto.default_workspace_id !== undefined && dto.default_workspace_id !== current.default_workspace_id) {
      const target = dto.default_workspace_id;
      if (target !== null && !(await this.users.lockMembership(em, target, userId))) throw notWorkspaceMember(target);
      set.default_workspace_id = target;
    }
    if (Object.keys(set).length === 0) return userResource(current);
    const row = await this.users.updateColumns(em, userId, set);
    await this.events.recordAll(em, ctx, userUpdateEvents(current, row, plan.newHash !== undefined));
    // A new password or a deactivation ends the user's other sessions at once; the session that
    // changed its own password stays signed in.
    if (plan.newHash !== undefined || set.is_active === false) {
      await this.refreshTokens.revokeAllForUser(userId, em, set.is_active !== false ? plan.keepSession : undefined);
    }
    const user = userResource(row);
    // A new address that is not verified yet gets its verification link by itself.
    if (set.email !== undefined && !user.is_verified && this.emailChange) {
      await this.emailChange.emailChanged(em, user);
      plan.emailChanged = true;
    }
    return user;
  }

  /**
   * Deletes the user with their memberships and refresh tokens (foreign-key cascades), unless they
   * are the last active platform admin or the last owner of a workspace or organization: then 409
   * and nothing is deleted. Checks and delete share one transaction holding the owner rows' locks,
   * so a concurrent demotion of the other owner cannot slip in between.
   */
  async remove(ctx: RequestContext, userId: string): Promise<void> {
    await transaction(
      this.dataSource,
      async (em) => {
        const peek = await this.users.adminState(em, userId, false);
        const wasAdmin = !!peek && peek.roles.includes('admin') && peek.is_active;
        const admins = wasAdmin ? await this.users.lockActiveAdmins(em) : [];
        const target = await this.users.adminState(em, userId, true);
        // Compared under the row lock, before any state error.
        checkPrecondition(ctx, 'user', userId, target ? userETag(target) : null);
        if (!target) throw new NotFoundError('user', userId);
        if (wasAdmin && admins.includes(userId) && admins.length === 1) throw lastAdmin();
        if (target.roles.includes('admin') && target.is_active && !wasAdmin) {
          // Became an admin between the two reads: take the admin lock now (a deadlock is retried).
          if ((await this.users.lockActiveAdmins(em)).length === 1) throw lastAdmin();
        }
        await this.assertNotLastOwner(em, userId);
        await this.users.delete(em, userId);
        await this.events.record(em, ctx, userDeleted(userId));
      },
      ctx,
    );
  }

  private async assertNotLastOwner(em: EntityManager, userId: string): Promise<void> {
    const workspaceIds = await this.users.lastOwnerships(em, 'workspace_members', 'workspaces', 'workspace_id', userId);
    const orgIds = await this.users.lastOwnerships(em, 'org_members', 'organizations', 'org_id', userId);
    if (workspaceIds.length > 0 || orgIds.length > 0) throw lastOwnerOfUser(workspaceIds, orgIds);
  }

  /**
   * RFC 7396 merge of `patch` into the stored preferences by one UPDATE, so concurrent patches of
   * different keys all survive (each applies to the row the previous one committed).
   */
  async patchPreferences(ctx: RequestContext, caller: User, patch: Record<string, unknown>): Promise<UserResponse> {
    try {
      return await transaction(
        this.dataSource,
        async (m) => {
          // The row lock orders concurrent merges; `If-Match` and the event's before are read under it.
          const before = await this.users.lockPreferences(m, caller.user_id);
          checkPrecondition(ctx, 'user', caller.user_id, before ? userETag(before) : null);
          const row = before && (await this.users.mergePreferences(m, caller.user_id, patch));
          if (!row) throw new AuthenticationError();
          await this.events.recordAll(m, ctx, userUpdateEvents({ ...row, preferences: before.preferences }, row, false));
          return userResource(row);
        },
        ctx,
      );
    } catch (error) {
      throw jsonSizeViolation(error, () => patch) ?? error;
    }
  }
}
