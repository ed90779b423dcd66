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
import { WorkspaceScopeParamsDto } from '../members/member.dto.js';
import { workspaceScope } from '../members/membership-scope.js';
import { alreadyMemberByEmail, notPending, pendingExists } from './invitation-errors.js';
import {
  CreateWorkspaceInvitationDto,
  InvitationListQueryDto,
  InvitationListResponse,
  InvitationResponse,
  InvitationWithTokenResponse,
  WorkspaceInvitationParamsDto,
  ResendInvitationDto,
} from './invitation.dto.js';
import { InvitationsService } from './invitations.service.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';

const NOT_FOUND = notFoundExample('invitation');

const scopeOf = (params: { org_id: string; workspace_id: string }) => workspaceScope(params.org_id.toLowerCase(), params.workspace_id.toLowerCase());

@ApiTags('invitations')
@Controller('v1/orgs/:org_id/workspaces/:workspace_id/invitations')
export class WorkspaceInvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  /** Invite to the Workspace */
  @Post()
  @Idempotent()
  @RequirePermission('members:add')
  @ApiOperation({ description: 'The answer carries the `token` and `accept_url`, shown only here. A pending invitation of the same address is revoked.' })
  @ApiCreatedResponse({ type: InvitationWithTokenResponse })
  @ApiErrors(new ForbiddenError('members:manage_owners'), notFoundExample('workspace'), notFoundExample('organization'), alreadyMemberByEmail(), 422, 429)
  createWorkspaceInvitation(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: WorkspaceScopeParamsDto,
    @Body() body: CreateWorkspaceInvitationDto,
  ): Promise<InvitationWithTokenResponse> {
    return this.invitations.create(ctx, user, enforced, scopeOf(params), body);
  }

  /** List Workspace Invitations */
  @Get()
  @RequirePermission('members:read')
  @ApiOkResponse({ type: InvitationListResponse })
  @ApiErrors(notFoundExample('workspace'), notFoundExample('organization'), 422)
  listWorkspaceInvitations(@Param() params: WorkspaceScopeParamsDto, @Query() query: InvitationListQueryDto): Promise<InvitationListResponse> {
    return this.invitations.list(scopeOf(params), query);
  }

  /** Get Workspace Invitation */
  @Get(':invitation_id')
  @Conditional()
  @RequirePermission('members:read')
  @ApiOkResponse({ type: InvitationResponse })
  @ApiErrors(NOT_FOUND, notFoundExample('workspace'), notFoundExample('organization'), 422)
  getWorkspaceInvitation(@Param() params: WorkspaceInvitationParamsDto): Promise<InvitationResponse> {
    return this.invitations.get(scopeOf(params), params.invitation_id);
  }

  /** Revoke Workspace Invitation */
  @Post(':invitation_id/revoke')
  @Idempotent()
  @HttpCode(200)
  @RequirePermission('members:add')
  @ApiOkResponse({ type: InvitationResponse })
  @ApiErrors(NOT_FOUND, notFoundExample('workspace'), notFoundExample('organization'), notPending('accepted'), 413, 415, 422)
  revokeWorkspaceInvitation(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @EnforcedPermission() enforced: Permission | null, @Param() params: WorkspaceInvitationParamsDto): Promise<InvitationResponse> {
    return this.invitations.revoke(ctx, user, enforced, scopeOf(params), params.invitation_id);
  }

  /** Resend Workspace Invitation (new token and expiry; the old token stops working) */
  @Post(':invitation_id/resend')
  @Idempotent()
  @HttpCode(200)
  @RequirePermission('members:add')
  @ApiOkResponse({ type: InvitationWithTokenResponse })
  @ApiErrors(new ForbiddenError('members:manage_owners'), NOT_FOUND, notFoundExample('workspace'), notFoundExample('organization'), notPending('accepted'), pendingExists(), 422)
  resendWorkspaceInvitation(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: WorkspaceInvitationParamsDto,
    @Body() body: ResendInvitationDto,
  ): Promise<InvitationWithTokenResponse> {
    return this.invitations.resend(ctx, user, enforced, scopeOf(params), params.invitation_id, body.expires_in_days);
  }
}
