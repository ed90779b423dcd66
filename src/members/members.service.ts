import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { dropsOwner, mayChangeMembership } from '../access/role-change.js';
import type { Permission } from '../access/permissions.js';
import type { WorkspaceRole } from '../access/roles.js';
import type { ResolvedScope } from '../access/scope.js';
import { ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { transaction } from '../database/transaction.js';
import type { User } from '../users/user.entity.js';
import { listMembers, MEMBER_COLUMNS, type MemberRow } from '../workspaces/member-list.js';
import { memberFields, memberListBody } from '../workspaces/member-response.js';
import { alreadyMember, lastWorkspaceOwner } from '../workspaces/member-errors.js';
import type { AddMemberDto, MemberListQueryDto, MemberListResponse, MemberResponse } from './member.dto.js';

const MANAGE_OWNERS: Permission = 'members:manage_owners';
const WORKSPACE_MEMBERS = { table: 'workspace_members', scopeColumn: 'workspace_id' } as const;

export interface WorkspaceRef {
  orgId: string;
  workspaceId: string;
}

function toMember(ref: WorkspaceRef) {
  return (row: MemberRow): MemberResponse => ({ workspace_id: ref.workspaceId, user_id: row.user_id, org_id: ref.orgId, ...memberFields(row) });
}

/**
 * Workspace memberships and the owner invariants. Every change runs in one transaction
 * that first locks the workspace row: changes to one workspace's members are serialized, so the
 * owner count read under the lock stays true until commit. Lock order: target user row (key share),
 * workspace row, membership row, the same as org membership changes, so they cannot deadlock.
 */
@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly cursors: CursorCodec,
  ) {}

  async list(ref: WorkspaceRef, query: MemberListQueryDto): Promise<MemberListResponse> {
    const countAll = async () => {
      const [row] = await this.dataSource.query(`SELECT member_count FROM workspaces WHERE workspace_id = $1`, [ref.workspaceId]);
      return (row?.member_count as number) ?? 0;
    };
    const page = await listMembers((sql, params) => this.dataSource.query(sql, params), this.cursors, WORKSPACE_MEMBERS, ref.workspaceId, query, countAll);
    return memberListBody(page, toMember(ref));
  }

  /**
   * Adds a member (and an org `member` membership when missing). `enforced` is the permission the
   * guard required of `user` (null when it waived it): it is asserted again under the lock.
   */
  async add(user: User, enforced: Permission | null, ref: WorkspaceRef, dto: AddMemberDto): Promise<MemberResponse> {
    const role = dto.role ?? 'member';
    return transaction(this.dataSource, async (m) => {
      const [target] = await m.query(`SELECT user_id FROM users WHERE user_id = $1 FOR KEY SHARE`, [dto.user_id]);
      const actor = await this.lockWorkspace(m, user, ref, enforced);
      if (!mayChangeMembership({ actorRole: actor.effectiveWorkspaceRole, isSelf: dto.user_id === user.user_id, from: null, to: role })) {
        throw new ForbiddenError(MANAGE_OWNERS);
      }
      if (!target) throw new NotFoundError('user', dto.user_id);
      await m.query(
        `INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, 'member', $3) ON CONFLICT DO NOTHING`,
        [ref.orgId, dto.user_id, user.user_id],
      );
      const [row]: MemberRow[] = await m.query(
        `WITH m AS (
           INSERT INTO workspace_members (workspace_id, user_id, role, added_by, user_created_at)
           SELECT $1, u.user_id, $3, $4, u.created_at FROM users u WHERE u.user_id = $2
           ON CONFLICT (workspace_id, user_id) DO NOTHING RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
        [ref.workspaceId, dto.user_id, role, user.user_id],
      );
      if (!row) throw alreadyMember('workspace');
      return toMember(ref)(row);
    });
  }

  async changeRole(user: User, enforced: Permission | null, ref: WorkspaceRef, memberId: string, role: WorkspaceRole): Promise<MemberResponse> {
    return transaction(this.dataSource, async (m) => {
      await m.query(`SELECT 1 FROM users WHERE user_id = $1 FOR KEY SHARE`, [memberId]);
      const actor = await this.lockWorkspace(m, user, ref, enforced);
      const current = await this.lockMembership(m, ref, memberId);
      if (!mayChangeMembership({ actorRole: actor.effectiveWorkspaceRole, isSelf: memberId === user.user_id, from: current, to: role })) {
        throw new ForbiddenError(MANAGE_OWNERS);
      }
      if (dropsOwner(current, role)) await this.assertAnotherOwner(m, ref);
      const [row]: MemberRow[] = await m.query(
        `WITH m AS (UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2 RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
        [ref.workspaceId, memberId, role],
      );
      return toMember(ref)(row);
    });
  }

  /** Removes a member; a member may always remove themself (leave), the last owner excepted. */
  async remove(user: User, enforced: Permission | null, ref: WorkspaceRef, memberId: string): Promise<void> {
    const isSelf = memberId === user.user_id;
    await transaction(this.dataSource, async (m) => {
      await m.query(`SELECT 1 FROM users WHERE user_id = $1 FOR KEY SHARE`, [memberId]);
      const actor = await this.lockWorkspace(m, user, ref, enforced);
      const current = await this.lockMembership(m, ref, memberId);
      if (!mayChangeMembership({ actorRole: actor.effectiveWorkspaceRole, isSelf, from: current, to: null })) {
        throw new ForbiddenError(MANAGE_OWNERS);
      }
      if (dropsOwner(current, null)) await this.assertAnotherOwner(m, ref);
      await m.query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [ref.workspaceId, memberId]);
    });
  }

  /**
   * Takes the workspace row lock, then re-reads the caller's standing under it: the guard's answer
   * may be stale by the time the lock is granted (e.g. the caller was just demoted), so what it
   * enforced is asserted again.
   */
  private async lockWorkspace(m: EntityManager, user: User, ref: WorkspaceRef, enforced: Permission | null): Promise<ResolvedScope> {
    const [workspace] = await m.query(`SELECT workspace_id FROM workspaces WHERE workspace_id = $1 AND org_id = $2 FOR NO KEY UPDATE`, [
      ref.workspaceId,
      ref.orgId,
    ]);
    if (!workspace) throw new NotFoundError('workspace', ref.workspaceId);
    const actor = await this.access.resolve(user, ref, m);
    if (enforced) this.access.assertPermission(actor, enforced);
    return actor;
  }

  private async lockMembership(m: EntityManager, ref: WorkspaceRef, memberId: string): Promise<WorkspaceRole> {
    const [row] = await m.query(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE`, [ref.workspaceId, memberId]);
    if (!row) throw new NotFoundError('member', memberId);
    return row.role;
  }

  /** The last-owner rule counts the workspace's own `owner` memberships, not ownership inherited from the org. */
  private async assertAnotherOwner(m: EntityManager, ref: WorkspaceRef): Promise<void> {
    const [{ owners }] = await m.query(`SELECT count(*)::int AS owners FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [
      ref.workspaceId,
    ]);
    if (owners <= 1) {
      throw lastWorkspaceOwner(ref.workspaceId);
    }
  }
}
