import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EnforcedPermission } from '../access/current-scope.decorator.js';
import { RequirePermission } from '../access/permission.decorator.js';
import type { Permission } from '../access/permissions.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ForbiddenError } from '../common/errors/app-error.js';
import { ApiErrors, notFoundExample } from '../common/openapi.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import type { User } from '../database/entities/user.entity.js';
import { OrgScopeParamsDto } from '../members/member.dto.js';
import { orgScope } from '../members/membership-scope.js';
import { alreadyMemberByEmail, notPending, pendingExists } from './invitation-errors.js';
import {
  CreateOrgInvitationDto,
  InvitationListQueryDto,
  InvitationListResponse,
  InvitationResponse,
  InvitationWithTokenResponse,
  OrgInvitationParamsDto,
  ResendInvitationDto,
} from './invitation.dto.js';
import { InvitationsService } from './invitations.service.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';

const NOT_FOUND = notFoundExample('invitation');

@ApiTags('invitations')
@Controller('v1/orgs/:org_id/invitations')
export class OrgInvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  /** Invite to the Organization */
  @Post()
  @Idempotent()
  @RequirePermission('org_members:add')
  @ApiOperation({ description: 'The answer carries the `token` and `accept_url`, shown only here. A pending invitation of the same address is revoked.' })
  @ApiCreatedResponse({ type: InvitationWithTokenResponse })
  @ApiErrors(new ForbiddenError('org_members:manage_owners'), notFoundExample('organization'), alreadyMemberByEmail(), 422, 429)
  createOrgInvitation(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: OrgScopeParamsDto,
    @Body() body: CreateOrgInvitationDto,
  ): Promise<InvitationWithTokenResponse> {
    return this.invitations.create(ctx, user, enforced, orgScope(params.org_id.toLowerCase()), body);
  }

  /** List Organization Invitations */
  @Get()
  @RequirePermission('org_members:read')
  @ApiOkResponse({ type: InvitationListResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  listOrgInvitations(@Param() params: OrgScopeParamsDto, @Query() query: InvitationListQueryDto): Promise<InvitationListResponse> {
    return this.invitations.list(orgScope(params.org_id.toLowerCase()), query);
  }

  /** Get Organization Invitation */
  @Get(':invitation_id')
  @Conditional()
  @RequirePermission('org_members:read')
  @ApiOkResponse({ type: InvitationResponse })
  @ApiErrors(NOT_FOUND, notFoundExample('organization'), 422)
  getOrgInvitation(@Param() params: OrgInvitationParamsDto): Promise<InvitationResponse> {
    return this.invitations.get(orgScope(params.org_id.toLowerCase()), params.invitation_id);
  }

  /** Revoke Organization Invitation */
  @Post(':invitation_id/revoke')
  @Idempotent()
  @HttpCode(200)
  @RequirePermission('org_members:add')
  @ApiOkResponse({ type: InvitationResponse })
  @ApiErrors(NOT_FOUND, notFoundExample('organization'), notPending('accepted'), 413, 415, 422)
  revokeOrgInvitation(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @EnforcedPermission() enforced: Permission | null, @Param() params: OrgInvitationParamsDto): Promise<InvitationResponse> {
    return this.invitations.revoke(ctx, user, enforced, orgScope(params.org_id.toLowerCase()), params.invitation_id);
  }

  /** Resend Organization Invitation (new token and expiry; the old token stops working) */
  @Post(':invitation_id/resend')
  @Idempotent()
  @HttpCode(200)
  @RequirePermission('org_members:add')
  @ApiOkResponse({ type: InvitationWithTokenResponse })
  @ApiErrors(new ForbiddenError('org_members:manage_owners'), NOT_FOUND, notFoundExample('organization'), notPending('accepted'), pendingExists(), 422)
  resendOrgInvitation(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: OrgInvitationParamsDto,
    @Body() body: ResendInvitationDto,
  ): Promise<InvitationWithTokenResponse> {
    return this.invitations.resend(ctx, user, enforced, orgScope(params.org_id.toLowerCase()), params.invitation_id, body.expires_in_days);
  }
}
