import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AllowSelf } from '../access/allow-self.decorator.js';
import { EnforcedPermission } from '../access/current-scope.decorator.js';
import { RequirePermission } from '../access/permission.decorator.js';
import type { Permission } from '../access/permissions.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ForbiddenError } from '../common/errors/app-error.js';
import { ApiErrors, EXAMPLE_ID, notFoundExample } from '../common/openapi.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { ExpensiveRead } from '../common/concurrency/expensive-read.js';
import type { User } from '../database/entities/user.entity.js';
import { alreadyMember, lastOrgOwner, lastOwnerOfOrgWorkspaces } from './member-errors.js';
import {
  AddOrgMemberDto,
  OrgMemberListQueryDto,
  OrgMemberListResponse,
  OrgMemberParamsDto,
  OrgMemberResponse,
  OrgScopeParamsDto,
  UpdateOrgMemberDto,
} from './member.dto.js';
import { orgScope } from './membership-scope.js';
import { MembershipsService } from './memberships.service.js';

@ApiTags('members')
@Controller('v1/orgs/:org_id/members')
export class OrgMembersController {
  constructor(private readonly members: MembershipsService) {}

  /** List Organization Members */
  @Get()
  @ExpensiveRead()
  @RequirePermission('org_members:read')
  @ApiOkResponse({ type: OrgMemberListResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  listOrgMembers(@CurrentUser() user: User, @Param() params: OrgScopeParamsDto, @Query() query: OrgMemberListQueryDto): Promise<OrgMemberListResponse> {
    return this.members.list(orgScope(params.org_id), query, user);
  }

  /** Add Organization Member (role defaults to `member`) */
  @Post()
  @Idempotent()
  @RequirePermission('org_members:add')
  @ApiCreatedResponse({ type: OrgMemberResponse })
  @ApiErrors(new ForbiddenError('org_members:manage_owners'), notFoundExample('organization'), notFoundExample('user'), alreadyMember('organization'), 422)
  addOrgMember(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: OrgScopeParamsDto, @Body() body: AddOrgMemberDto): Promise<OrgMemberResponse> {
    return this.members.add(ctx, user, enforced, orgScope(params.org_id), body);
  }

  /** Update Organization Member Role */
  @Patch(':member_user_id')
  @Conditional()
  @RequirePermission('org_members:update')
  @ApiOkResponse({ type: OrgMemberResponse })
  @ApiErrors(new ForbiddenError('org_members:manage_owners'), notFoundExample('member'), notFoundExample('organization'), lastOrgOwner(EXAMPLE_ID), 422)
  updateOrgMemberRole(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: OrgMemberParamsDto, @Body() body: UpdateOrgMemberDto): Promise<OrgMemberResponse> {
    return this.members.changeRole(ctx, user, enforced, orgScope(params.org_id), params.member_user_id, body.role);
  }

  /** Remove Organization Member (a member may remove themself: leave) */
  @Delete(':member_user_id')
  @Conditional()
  @HttpCode(204)
  @RequirePermission('org_members:remove')
  @AllowSelf('member_user_id')
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(new ForbiddenError('org_members:manage_owners'), notFoundExample('member'), notFoundExample('organization'), lastOrgOwner(EXAMPLE_ID), lastOwnerOfOrgWorkspaces([EXAMPLE_ID]), 422)
  async removeOrgMember(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @EnforcedPermission() enforced: Permission | null, @Param() params: OrgMemberParamsDto): Promise<void> {
    await this.members.remove(ctx, user, enforced, orgScope(params.org_id), params.member_user_id);
  }
}
