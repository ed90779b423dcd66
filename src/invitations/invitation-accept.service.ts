import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { WorkspaceRole } from '../access/roles.js';
import { RefreshTokens } from '../auth/refresh-tokens.js';
import { TokenService } from '../auth/token.service.js';
import { ForbiddenError } from '../common/errors/app-error.js';
import type { RequestContext } from '../common/request-context.js';
import type { User } from '../database/entities/user.entity.js';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import { orgScope, workspaceScope, type MembershipScope } from '../members/membership-scope.js';
import { MembershipsService } from '../members/memberships.service.js';
import { UsersService } from '../users/users.service.js';
import { alreadyAccepted, alreadyMemberByEmail, invitationExpired, unknownToken } from './invitation-errors.js';
import { toInvitationResponse } from './invitation-response.js';
import { hashInvitationToken, sameTokenHash } from './invitation-token.js';
import type { AcceptedAsNewUserResponse, AcceptedInvitationResponse } from './invitation.dto.js';
import { InvitationsRepository, type InvitationRow } from './invitations.repository.js';

/** What an invitee without an account sends along with the token. */
export interface NewAccount {
  username: string;
  password: string;
  full_name?: string;
}

type Membership = AcceptedInvitationResponse['membership'];

const scopeOf = (row: InvitationRow): MembershipScope => (row.workspace_id ? workspaceScope(row.org_id, row.workspace_id) : orgScope(row.org_id));

/**
 * Accepting an invitation: one transaction that locks the invitation row (so of two concurrent
 * accepts exactly one finds it pending), then adds the membership under the locks and invariants
 * of adding a member, marks the invitation accepted and records the events. The organization row
 * is locked before the invitation row, the order in which creating an invitation takes them, so
 * an accept and a re-invite of the same address wait for each other instead of deadlocking.
 */
@Injectable()
export class InvitationAcceptService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invitations: InvitationsRepository,
    private readonly members: MembershipsService,
    private readonly users: UsersService,
    private readonly events: EventsService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  /** As the signed-in caller, whose email must be the invited one (403 `invitations:accept` otherwise, nothing changes). */
  async acceptAsCaller(ctx: RequestContext, caller: User, token: string): Promise<AcceptedInvitationResponse> {
    return transaction(this.dataSource, async (m) => {
      const invitation = await this.lockPending(m, token);
      if (normalizedEmail(caller.email) !== normalizedEmail(invitation.email)) throw new ForbiddenError('invitations:accept');
      return this.join(ctx, m, invitation, caller.user_id);
    }, ctx);
  }

  /**
   * Opens a verified account with the invited email, joins, and signs the new user in. The password
   * is hashed (tens of milliseconds of argon2) before the transaction, so no lock is held while it
   * runs; a token that cannot be accepted is refused before it, so a wrong token costs no hash.
   */
  async acceptAsNewUser(ctx: RequestContext, token: string, account: NewAccount): Promise<AcceptedAsNewUserResponse> {
    const tokenHash = hashInvitationToken(token);
    pendingOrThrow(await this.invitations.findByTokenHash(this.dataSource.manager, tokenHash), tokenHash);
    const passwordHash = await this.users.hashPassword(account.password);
    return transaction(this.dataSource, async (m) => {
      const invitation = await this.lockPending(m, token);
      const user = await this.users.createWithin(ctx, m, { ...account, email: invitation.email, is_verified: true }, passwordHash);
      const asUser: RequestContext = { ...ctx, actor: { type: 'user', id: user.user_id } };
      const { membership } = await this.join(asUser, m, invitation, user.user_id);
      const family = await this.refreshTokens.issue(user.user_id, m);
      return {
        user,
        membership,
        access_token: await this.tokens.signAccessToken(user.user_id, family.familyId),
        refresh_token: family.token,
        token_type: 'bearer',
        expires_in: this.tokens.accessTtlSeconds,
      };
    }, ctx);
  }

  /** The invitation of `token`, locked, if it can still be accepted: 404 unknown or revoked, 409 accepted, 410 expired. */
  private async lockPending(m: EntityManager, token: string): Promise<InvitationRow> {
    const hash = hashInvitationToken(token);
    const orgId = await this.invitations.orgOfTokenHash(m, hash);
    if (orgId) await this.invitations.lockOrg(m, orgId);
    return pendingOrThrow(await this.invitations.findByTokenHash(m, hash, true), hash);
  }

  private async join(ctx: RequestContext, m: EntityManager, invitation: InvitationRow, userId: string): Promise<{ invitation: AcceptedInvitationResponse['invitation']; membership: Membership }> {
    const scope = scopeOf(invitation);
    if (await this.invitations.isMember(m, scope, invitation.email)) throw alreadyMemberByEmail();
    const membership = await this.members.admit(ctx, m, scope, userId, invitation.role as WorkspaceRole, invitation.inviter_user_id);
    const accepted = toInvitationResponse(await this.invitations.markAccepted(m, invitation.invitation_id, userId));
    await this.events.record(m, ctx, {
      type: 'invitation.accepted',
      orgId: accepted.org_id,
      workspaceId: accepted.workspace_id,
      target: { type: 'invitation', id: accepted.invitation_id },
      data: { ...accepted },
    });
    return { invitation: accepted, membership };
  }
}

/** The invitation if it can still be accepted: 404 unknown or revoked, 409 accepted, 410 expired. */
function pendingOrThrow<R extends InvitationRow & { token_hash: Buffer }>(row: R | undefined, hash: Buffer): R {
  if (!row || !sameTokenHash(row.token_hash, hash) || row.state === 'revoked') throw unknownToken();
  if (row.state === 'accepted') throw alreadyAccepted();
  if (row.state === 'expired') throw invitationExpired(row.invitation_id);
  return row;
}

/** The form users' emails are stored and compared in. */
function normalizedEmail(email: string): string {
  return email.normalize('NFKC').toLowerCase();
}
