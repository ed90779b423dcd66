import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import type { Permission } from '../access/permissions.js';
import type { WorkspaceRole } from '../access/roles.js';
import type { ResolvedScope } from '../access/scope.js';
import { NotFoundError, RateLimitedError } from '../common/errors/app-error.js';
import { sqlState } from '../common/errors/database-errors.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto.js';
import { SYSTEM_CONTEXT, type RequestContext } from '../common/request-context.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import type { User } from '../database/entities/user.entity.js';
import { transaction } from '../database/transaction.js';
import type { EventType } from '../events/event-types.js';
import { EventsService } from '../events/events.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { MailService } from '../mail/mail.service.js';
import { scopeRefOf, type MembershipScope } from '../members/membership-scope.js';
import { MembershipsService } from '../members/memberships.service.js';
import { alreadyMemberByEmail, notPending, pendingExists } from './invitation-errors.js';
import { invitationMail } from './invitation-mail.js';
import { invitationResource, toInvitationResponse, withToken } from './invitation-response.js';
import { acceptUrlFor, newInvitationToken } from './invitation-token.js';
import { DEFAULT_EXPIRES_IN_DAYS, type InvitationListQueryDto, type InvitationListResponse, type InvitationResponse, type InvitationWithTokenResponse } from './invitation.dto.js';
import { InvitationsRepository, type InvitationRow } from './invitations.repository.js';

export interface InvitationRequest {
  email: string;
  role: WorkspaceRole;
  expires_in_days?: number;
}

const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 500;

/**
 * Creating, listing, revoking and re-sending invitations, and the sweep that writes expiry. Every
 * write locks the organization row first, so one org's invitation writes run one at a time: the
 * hourly count and the one-pending-invitation-per-address rule stay true under concurrency. Mail
 * is queued in the same transaction and nudged out after the commit.
 */
@Injectable()
export class InvitationsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invitations: InvitationsRepository,
    private readonly access: AccessService,
    private readonly members: MembershipsService,
    private readonly events: EventsService,
    private readonly mail: MailService,
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.every('invitations.expire', SWEEP_INTERVAL_MS, () => this.expireDue());
  }

  /**
   * A new invitation, replacing the address's pending one in the scope (revoked, or expired when
   * it already was). `enforced` is the permission the guard required: asserted again under the lock.
   */
  async create(ctx: RequestContext, user: User, enforced: Permission | null, scope: MembershipScope, dto: InvitationRequest): Promise<InvitationWithTokenResponse> {
    const minted = newInvitationToken();
    const row = await transaction(this.dataSource, async (m) => {
      const actor = await this.lockAndAuthorize(m, user, enforced, scope);
      this.members.assertMayGrant(scope, actor, dto.role);
      await this.assertUnderHourlyLimit(m, scope.orgId);
      if (await this.invitations.isMember(m, scope, dto.email)) throw alreadyMemberByEmail();
      const closed = await this.invitations.closePending(m, scope, dto.email);
      if (closed) await this.record(m, ctx, closed.state === 'expired' ? 'invitation.expired' : 'invitation.revoked', closed);
      const created = await this.invitations.insert(m, {
        scope,
        email: dto.email,
        role: dto.role,
        tokenHash: minted.hash,
        inviterId: user.user_id,
        expiresInDays: dto.expires_in_days ?? DEFAULT_EXPIRES_IN_DAYS,
      });
      await this.record(m, ctx, 'invitation.created', created);
      await this.mailInvitation(m, user, scope, created, minted.token);
      return created;
    }, ctx);
    this.mail.flush();
    return withToken(row, minted.token, this.acceptUrl(minted.token));
  }

  async list(scope: MembershipScope, query: InvitationListQueryDto): Promise<InvitationListResponse> {
    const page = await this.invitations.list(this.dataSource.manager, scope, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return { invitations: page.rows.map(toInvitationResponse), has_more: page.has_more, next_cursor: page.next_cursor };
  }

  async get(scope: MembershipScope, invitationId: string): Promise<InvitationResponse> {
    const row = await this.invitations.find(this.dataSource.manager, scope, invitationId);
    if (!row) throw new NotFoundError('invitation', invitationId);
    return invitationResource(row);
  }

  /** Revokes a pending invitation; any other state is a 409 naming it. */
  async revoke(ctx: RequestContext, user: User, enforced: Permission | null, scope: MembershipScope, invitationId: string): Promise<InvitationResponse> {
    const row = await transaction(this.dataSource, async (m) => {
      await this.lockAndAuthorize(m, user, enforced, scope);
      const current = await this.lockInvitation(m, scope, invitationId);
      if (current.state !== 'pending') throw notPending(current.state);
      const revoked = await this.invitations.revoke(m, invitationId);
      await this.record(m, ctx, 'invitation.revoked', revoked);
      return revoked;
    }, ctx);
    return invitationResource(row);
  }

  /**
   * A new token and expiry for a pending or expired invitation, mailed again; the old token stops
   * working. Re-sending an `owner` invitation needs the right to grant it, like creating one.
   */
  async resend(ctx: RequestContext, user: User, enforced: Permission | null, scope: MembershipScope, invitationId: string, days?: number): Promise<InvitationWithTokenResponse> {
    const minted = newInvitationToken();
    const row = await transaction(this.dataSource, async (m) => {
      const actor = await this.lockAndAuthorize(m, user, enforced, scope);
      const current = await this.lockInvitation(m, scope, invitationId);
      if (current.state !== 'pending' && current.state !== 'expired') throw notPending(current.state);
      this.members.assertMayGrant(scope, actor, current.role as WorkspaceRole);
      const renewed = await this.invitations.renewToken(m, invitationId, minted.hash, days ?? DEFAULT_EXPIRES_IN_DAYS);
      await this.record(m, ctx, 'invitation.resent', renewed);
      await this.mailInvitation(m, user, scope, renewed, minted.token);
      return renewed;
    }, ctx).catch((error: unknown) => {
      // Reviving an expired invitation while a newer one to the address is pending.
      throw sqlState(error) === '23505' ? pendingExists() : error;
    });
    this.mail.flush();
    return withToken(row, minted.token, this.acceptUrl(minted.token));
  }

  /** Writes `expired` on pending invitations past their expiry, with an event each (run by one instance at a time). */
  async expireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await transaction(this.dataSource, async (m) => {
        const rows = await this.invitations.expireDue(m, SWEEP_BATCH);
        for (const row of rows) await this.record(m, SYSTEM_CONTEXT, 'invitation.expired', row);
        return rows.length;
      });
      total += batch;
      if (batch < SWEEP_BATCH) return total;
    }
  }

  acceptUrl(token: string): string {
    return acceptUrlFor(this.config.invitations.acceptUrl, token);
  }

  /**
   * Locks the org row, then re-reads the caller's standing under it and asserts what the guard
   * enforced (its read may be stale by the time the lock is granted).
   */
  private async lockAndAuthorize(m: EntityManager, user: User, enforced: Permission | null, scope: MembershipScope): Promise<ResolvedScope> {
    if (!(await this.invitations.lockOrg(m, scope.orgId))) throw new NotFoundError('organization', scope.orgId);
    const actor = await this.access.resolve(user, scopeRefOf(scope), m);
    if (enforced) this.access.assertPermission(actor, enforced);
    return actor;
  }

  private async lockInvitation(m: EntityManager, scope: MembershipScope, invitationId: string): Promise<InvitationRow> {
    const row = await this.invitations.find(m, scope, invitationId, true);
    if (!row) throw new NotFoundError('invitation', invitationId);
    return row;
  }

  /** 429 once the org has created its hourly allowance; Retry-After is when the oldest of them leaves the hour. */
  private async assertUnderHourlyLimit(m: EntityManager, orgId: string): Promise<void> {
    const { count, secondsUntilOldestLeaves } = await this.invitations.createdLastHour(m, orgId);
    if (count >= this.config.invitations.perHour) throw new RateLimitedError(secondsUntilOldestLeaves);
  }

  private async mailInvitation(m: EntityManager, inviter: User, scope: MembershipScope, row: InvitationRow, token: string): Promise<void> {
    if (!this.mail.enabled) return;
    const names = await this.invitations.scopeNames(m, scope);
    await this.mail.send(
      m,
      invitationMail({
        to: row.email,
        orgName: names.org_name,
        workspaceName: names.workspace_name,
        role: row.role,
        inviterName: inviter.full_name ? `${inviter.full_name} (${inviter.email})` : inviter.email,
        expiresAt: row.expires_at,
        acceptUrl: this.acceptUrl(token),
      }),
    );
  }

  private async record(m: EntityManager, ctx: RequestContext, type: EventType, row: InvitationRow): Promise<void> {
    await this.events.record(m, ctx, {
      type,
      orgId: row.org_id,
      workspaceId: row.workspace_id,
      target: { type: 'invitation', id: row.invitation_id },
      data: { ...toInvitationResponse(row) },
    });
  }
}
