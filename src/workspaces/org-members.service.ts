import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { dropsOwner, mayChangeMembership } from '../access/role-change.js';
import type { Permission } from '../access/permissions.js';
import type { OrgRole } from '../access/roles.js';
import type { ResolvedScope } from '../access/scope.js';
import { ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { CursorCodec } from '../common/pagination/cursor.js';
import { transaction } from '../database/transaction.js';
import type { User } from '../users/user.entity.js';
import { alreadyMember, lastOrgOwner, lastOwnerOfOrgWorkspaces } from './member-errors.js';
import { listMembers, MEMBER_COLUMNS, type MemberRow } from './member-list.js';
import { memberFields, memberListBody } from './member-response.js';
import type { AddOrgMemberDto, OrgMemberListQueryDto, OrgMemberListResponse, OrgMemberResponse } from './org-member.dto.js';

const MANAGE_OWNERS: Permission = 'org_members:manage_owners';
const ORG_MEMBERS = { table: 'org_members', scopeColumn: 'org_id' } as const;

function toOrgMember(orgId: string) {
  return (row: MemberRow): OrgMemberResponse => ({ user_id: row.user_id, org_id: orgId, ...memberFields(row) });
}

/**
 * Org memberships. Every change runs in one transaction holding the org row lock, so the owner
 * count it checks cannot change underneath it. Lock order (user row, org row, workspace rows) is
 * the same as for workspace memberships, so the two cannot deadlock.
 */
@Injectable()
export class OrgMembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly cursors: CursorCodec,
  ) {}

  async list(orgId: string, query: OrgMemberListQueryDto): Promise<OrgMemberListResponse> {
    const page = await listMembers((sql, params) => this.dataSource.query(sql, params), this.cursors, ORG_MEMBERS, orgId, query);
    return memberListBody(page, toOrgMember(orgId));
  }

  /** `enforced` is the permission the guard required of `user` (null when it waived it): it is asserted again under the lock. */
  async add(user: User, enforced: Permission | null, orgId: string, dto: AddOrgMemberDto): Promise<OrgMemberResponse> {
    const role = dto.role ?? 'member';
    return transaction(this.dataSource, async (m) => {
      const [target] = await m.query(`SELECT user_id FROM users WHERE user_id = $1 FOR KEY SHARE`, [dto.user_id]);
      const actor = await this.lockOrg(m, user, orgId, enforced);
      if (!mayChangeMembership({ actorRole: actingRole(actor), isSelf: dto.user_id === user.user_id, from: null, to: role })) {
        throw new ForbiddenError(MANAGE_OWNERS);
      }
      if (!target) throw new NotFoundError('user', dto.user_id);
      const [row]: MemberRow[] = await m.query(
        `WITH m AS (
           INSERT INTO org_members (org_id, user_id, role, added_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (org_id, user_id) DO NOTHING RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
        [orgId, dto.user_id, role, user.user_id],
      );
      if (!row) throw alreadyMember('organization');
      return toOrgMember(orgId)(row);
    });
  }

  async changeRole(user: User, enforced: Permission | null, orgId: string, memberId: string, role: OrgRole): Promise<OrgMemberResponse> {
    return transaction(this.dataSource, async (m) => {
      await m.query(`SELECT 1 FROM users WHERE user_id = $1 FOR KEY SHARE`, [memberId]);
      const actor = await this.lockOrg(m, user, orgId, enforced);
      const current = await this.lockMembership(m, orgId, memberId);
      if (!mayChangeMembership({ actorRole: actingRole(actor), isSelf: memberId === user.user_id, from: current, to: role })) {
        throw new ForbiddenError(MANAGE_OWNERS);
      }
      if (dropsOwner(current, role)) await this.assertAnotherOwner(m, orgId);
      const [row]: MemberRow[] = await m.query(
        `WITH m AS (UPDATE org_members SET role = $3 WHERE org_id = $1 AND user_id = $2 RETURNING *)
         SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.user_id = m.user_id`,
        [orgId, memberId, role],
      );
      return toOrgMember(orgId)(row);
    });
  }

  /** Leaving the org also leaves its workspaces, so nobody keeps a workspace of an org they left. */
  async remove(user: User, enforced: Permission | null, orgId: string, memberId: string): Promise<void> {
    const isSelf = memberId === user.user_id;
    await transaction(this.dataSource, async (m) => {
      await m.query(`SELECT 1 FROM users WHERE user_id = $1 FOR KEY SHARE`, [memberId]);
      const actor = await this.lockOrg(m, user, orgId, enforced);
      const current = await this.lockMembership(m, orgId, memberId);
      if (!mayChangeMembership({ actorRole: actingRole(actor), isSelf, from: current, to: null })) throw new ForbiddenError(MANAGE_OWNERS);
      if (dropsOwner(current, null)) await this.assertAnotherOwner(m, orgId);
      await this.leaveWorkspaces(m, orgId, memberId);
      await m.query(`DELETE FROM org_members WHERE org_id = $1 AND user_id = $2`, [orgId, memberId]);
    });
  }

  /**
   * Takes the org row lock, then re-reads the caller's standing under it: the guard's answer may be
   * stale by the time the lock is granted, so what it enforced is asserted again.
   */
  private async lockOrg(m: EntityManager, user: User, orgId: string, enforced: Permission | null): Promise<ResolvedScope> {
    const [org] = await m.query(`SELECT org_id FROM organizations WHERE org_id = $1 FOR NO KEY UPDATE`, [orgId]);
    if (!org) throw new NotFoundError('organization', orgId);
    const actor = await this.access.resolve(user, { orgId }, m);
    if (enforced) this.access.assertPermission(actor, enforced);
    return actor;
  }

  private async lockMembership(m: EntityManager, orgId: string, memberId: string): Promise<OrgRole> {
    const [row] = await m.query(`SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2 FOR UPDATE`, [orgId, memberId]);
    if (!row) throw new NotFoundError('member', memberId);
    return row.role;
  }

  private async assertAnotherOwner(m: EntityManager, orgId: string): Promise<void> {
    const [{ owners }] = await m.query(`SELECT count(*)::int AS owners FROM org_members WHERE org_id = $1 AND role = 'owner'`, [orgId]);
    if (owners <= 1) throw lastOrgOwner(orgId);
  }

  /** Removes the member from the org's workspaces, unless that would leave one of them without an owner. */
  private async leaveWorkspaces(m: EntityManager, orgId: string, memberId: string): Promise<void> {
    const locked: { workspace_id: string }[] = await m.query(
      `SELECT w.workspace_id FROM workspaces w JOIN workspace_members wm ON wm.workspace_id = w.workspace_id
       WHERE w.org_id = $1 AND wm.user_id = $2 ORDER BY w.workspace_id FOR NO KEY UPDATE OF w`,
      [orgId, memberId],
    );
    if (locked.length === 0) return;
    const ids = locked.map((row) => row.workspace_id);
    const soleOwned: { workspace_id: string }[] = await m.query(
      `SELECT workspace_id FROM workspace_members WHERE workspace_id = ANY($1::uuid[]) AND role = 'owner'
       GROUP BY workspace_id HAVING count(*) = 1 AND bool_or(user_id = $2) ORDER BY workspace_id`,
      [ids, memberId],
    );
    if (soleOwned.length > 0) {
      throw lastOwnerOfOrgWorkspaces(soleOwned.map((row) => row.workspace_id));
    }
    await m.query(`DELETE FROM workspace_members WHERE workspace_id = ANY($1::uuid[]) AND user_id = $2`, [ids, memberId]);
  }
}

/** The role the caller acts with in the org; a platform admin acts as owner. */
function actingRole(actor: ResolvedScope): OrgRole | null {
  return actor.platformAdmin ? 'owner' : actor.orgRole;
}
