import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { dropsOwner, mayChangeMembership, type MembershipChange } from '../access/role-change.js';
import type { Permission } from '../access/permissions.js';
import type { WorkspaceRole } from '../access/roles.js';
import type { ResolvedScope } from '../access/scope.js';
import { ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { checkPrecondition } from '../common/http/conditional/etag.js';
import type { RequestContext } from '../common/request-context.js';
import { transaction } from '../database/transaction.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import type { User } from '../database/entities/user.entity.js';
import { lastOwnerOfOrgWorkspaces } from './member-errors.js';
import { memberETag, memberListBody, memberResource, type MemberListOf, type MemberOf } from './member-response.js';
import {
  actingRole,
  alreadyMemberOf,
  lastOwnerOf,
  manageOwnersPermission,
  orgScope,
  scopeRefOf,
  type MembershipScope,
  type OrgMembershipScope,
} from './membership-scope.js';
import { MembershipsRepository, type LockedMembership, type MemberListQuery } from './memberships.repository.js';
import { EventsService } from '../events/events.service.js';
import { memberAdded, memberRemoved, memberRoleChanged, workspaceMembersRemoved } from './member-events.js';

/**
 * Org and workspace memberships and their invariants, one set for both scopes. Every change runs
 * in one transaction that first locks the scope's row (org or workspace): changes to one scope's
 * members are serialized, so the owner count read under the lock stays true until commit. Lock
 * order, the same for both scopes so they cannot deadlock: target user row (key share), scope row,
 * membership row, then (leaving an org) its workspace rows in id order.
 */
@Injectable()
export class MembershipsService {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly memberships: MembershipsRepository,
    private readonly events: EventsService,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  async list<S extends MembershipScope>(scope: S, query: MemberListQuery, caller?: User): Promise<MemberListOf<S>> {
    const page = await this.memberships.list(await this.reads.manager(caller?.user_id), scope, query);
    return memberListBody(scope, page);
  }

  /**
   * Adds a member; in a workspace, also an org `member` membership when missing. `enforced` is the
   * permission the guard required of `user` (null when it waived it): it is asserted again under the lock.
   */
  async add<S extends MembershipScope>(
    ctx: RequestContext,
    user: User,
    enforced: Permission | null,
    scope: S,
    dto: { user_id: string; role?: WorkspaceRole },
  ): Promise<MemberOf<S>> {
    const role = dto.role ?? 'member';
    return transaction(this.dataSource, async (m) => {
      const targetExists = await this.memberships.lockUser(m, dto.user_id);
      const actor = await this.lockScope(m, user, scope, enforced);
      this.assertMayChange(scope, actor, { isSelf: dto.user_id === user.user_id, from: null, to: role });
      if (!targetExists) throw new NotFoundError('user', dto.user_id);
      return this.join(ctx, m, scope, dto.user_id, role, user.user_id);
    }, ctx);
  }

  /** The membership (and in a workspace the org membership it needs) with their events; 409 if already a member. */
  private async join<S extends MembershipScope>(ctx: RequestContext, m: EntityManager, scope: S, userId: string, role: WorkspaceRole, addedBy: string | null): Promise<MemberOf<S>> {
    const joined = scope.kind === 'workspace' ? await this.memberships.ensureOrgMember(m, scope.orgId, userId, addedBy) : undefined;
    const row = await this.memberships.insert(m, scope, userId, role, addedBy);
    if (!row) throw alreadyMemberOf(scope);
    await this.events.recordAll(m, ctx, joined ? [memberAdded(orgScope(scope.orgId), joined), memberAdded(scope, row)] : [memberAdded(scope, row)]);
    return memberResource(scope, row);
  }

  /**
   * Makes `userId` a member with `role` inside the caller's transaction `m` (an accepted
   * invitation): the locks, the org membership a workspace needs, the duplicate rule and the events
   * of `add`. No acting member's rank is checked here: whoever sent the invitation was checked
   * when it was created.
   */
  async admit<S extends MembershipScope>(ctx: RequestContext, m: EntityManager, scope: S, userId: string, role: WorkspaceRole, addedBy: string | null): Promise<MemberOf<S>> {
    if (!(await this.memberships.lockUser(m, userId))) throw new NotFoundError('user', userId);
    if (!(await this.memberships.lockScope(m, scope))) {
      throw scope.kind === 'org' ? new NotFoundError('organization', scope.orgId) : new NotFoundError('workspace', scope.workspaceId);
    }
    return this.join(ctx, m, scope, userId, role, addedBy);
  }

  /** 403 naming the scope's `manage_owners` permission unless `actor` may grant `role` (the rule `add` applies). */
  assertMayGrant(scope: MembershipScope, actor: ResolvedScope, role: WorkspaceRole): void {
    this.assertMayChange(scope, actor, { isSelf: false, from: null, to: role });
  }

  async changeRole<S extends MembershipScope>(
    ctx: RequestContext,
    user: User,
    enforced: Permission | null,
    scope: S,
    memberId: string,
    role: WorkspaceRole,
  ): Promise<MemberOf<S>> {
    return transaction(this.dataSource, async (m) => {
      await this.memberships.lockUser(m, memberId);
      const actor = await this.lockScope(m, user, scope, enforced);
      const current = await this.lockMembership(ctx, m, scope, memberId);
      this.assertMayChange(scope, actor, { isSelf: memberId === user.user_id, from: current.role, to: role });
      checkPrecondition(ctx, 'member', memberId, memberETag(current));
      if (dropsOwner(current.role, role)) await this.assertAnotherOwner(m, scope);
      const row = await this.memberships.updateRole(m, scope, memberId, role);
      if (current.role !== role) await this.events.record(m, ctx, memberRoleChanged(scope, row, current.role));
      return memberResource(scope, row);
    }, ctx);
  }

  /**
   * Removes a member; a member may always remove themself (leave), the last owner excepted.
   * Leaving an org also leaves its workspaces, so nobody keeps a workspace of an org they left.
   */
  async remove(ctx: RequestContext, user: User, enforced: Permission | null, scope: MembershipScope, memberId: string): Promise<void> {
    await transaction(this.dataSource, async (m) => {
      await this.memberships.lockUser(m, memberId);
      const actor = await this.lockScope(m, user, scope, enforced);
      const current = await this.lockMembership(ctx, m, scope, memberId);
      this.assertMayChange(scope, actor, { isSelf: memberId === user.user_id, from: current.role, to: null });
      checkPrecondition(ctx, 'member', memberId, memberETag(current));
      if (dropsOwner(current.role, null)) await this.assertAnotherOwner(m, scope);
      const left = scope.kind === 'org' ? await this.leaveWorkspaces(m, scope, memberId) : [];
      await this.memberships.delete(m, scope, memberId);
      await this.events.recordAll(m, ctx, [...workspaceMembersRemoved(scope.orgId, left, memberId), memberRemoved(scope, memberId)]);
    }, ctx);
  }

  /**
   * Takes the scope row lock, then re-reads the caller's standing under it: the guard's answer may
   * be stale by the time the lock is granted (e.g. the caller was just demoted), so what it
   * enforced is asserted again.
   */
  private async lockScope(m: EntityManager, user: User, scope: MembershipScope, enforced: Permission | null): Promise<ResolvedScope> {
    if (!(await this.memberships.lockScope(m, scope))) {
      throw scope.kind === 'org' ? new NotFoundError('organization', scope.orgId) : new NotFoundError('workspace', scope.workspaceId);
    }
    const actor = await this.access.resolve(user, scopeRefOf(scope), m);
    if (enforced) this.access.assertPermission(actor, enforced);
    return actor;
  }

  /** A membership that is not there fails any `If-Match` (412) before it is a 404. */
  private async lockMembership(ctx: RequestContext, m: EntityManager, scope: MembershipScope, memberId: string): Promise<LockedMembership<WorkspaceRole>> {
    const current = await this.memberships.lockMembership<WorkspaceRole>(m, scope, memberId);
    if (current) return current;
    checkPrecondition(ctx, 'member', memberId, null);
    throw new NotFoundError('member', memberId);
  }

  /** Rank and owner-only rules: 403 naming the scope's `manage_owners` permission. */
  private assertMayChange(scope: MembershipScope, actor: ResolvedScope, change: Omit<MembershipChange, 'actorRole'>): void {
    if (!mayChangeMembership({ actorRole: actingRole(scope, actor), ...change })) throw new ForbiddenError(manageOwnersPermission(scope));
  }

  /** The last-owner rule counts the scope's own `owner` memberships, not ownership inherited from the org. */
  private async assertAnotherOwner(m: EntityManager, scope: MembershipScope): Promise<void> {
    if ((await this.memberships.countOwners(m, scope)) <= 1) throw lastOwnerOf(scope);
  }

  /** Removes the member from the org's workspaces, unless that would leave one of them without an owner; their ids. */
  private async leaveWorkspaces(m: EntityManager, scope: OrgMembershipScope, memberId: string): Promise<string[]> {
    const ids = await this.memberships.lockWorkspacesOfMember(m, scope.orgId, memberId);
    if (ids.length === 0) return ids;
    const soleOwned = await this.memberships.soleOwnedWorkspaces(m, ids, memberId);
    if (soleOwned.length > 0) throw lastOwnerOfOrgWorkspaces(soleOwned);
    await this.memberships.deleteWorkspaceMemberships(m, ids, memberId);
    return ids;
  }
}
