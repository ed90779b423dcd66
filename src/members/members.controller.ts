import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { alreadyMember, lastWorkspaceOwner } from './member-errors.js';
import {
  AddMemberDto,
  MemberListQueryDto,
  MemberListResponse,
  MemberParamsDto,
  MemberResponse,
  UpdateMemberDto,
  WorkspaceScopeParamsDto,
} from './member.dto.js';
import { workspaceScope, type WorkspaceMembershipScope } from './membership-scope.js';
import { MembershipsService } from './memberships.service.js';

const scopeOf = (params: WorkspaceScopeParamsDto): WorkspaceMembershipScope => workspaceScope(params.org_id.toLowerCase(), params.workspace_id.toLowerCase());

@ApiTags('members')
@Controller('v1/orgs/:org_id/workspaces/:workspace_id/members')
export class MembersController {
  constructor(private readonly members: MembershipsService) {}

  /** List Workspace Members */
  @Get()
  @ExpensiveRead()
  @ApiOperation({
    description:
      'Members in the order they joined (`created_at`, then `user_id`). With any of `role`, `search`, `limit` or `cursor` the ' +
      'list is keyset-paged (default 50, at most 200) and carries `has_more` and `next_cursor`. Without them it answers ' +
      '`{members, total}` holding at most 1000 members; a larger workspace also gets `has_more: true` and a `next_cursor`.',
  })
  @RequirePermission('members:read')
  @ApiOkResponse({ type: MemberListResponse })
  @ApiErrors(notFoundExample('workspace'), notFoundExample('organization'), 422)
  listWorkspaceMembers(@CurrentUser() user: User, @Param() params: WorkspaceScopeParamsDto, @Query() query: MemberListQueryDto): Promise<MemberListResponse> {
    return this.members.list(scopeOf(params), query, user);
  }

  /** Add Workspace Member (role defaults to `member`) */
  @Post()
  @Idempotent()
  @RequirePermission('members:add')
  @ApiCreatedResponse({ type: MemberResponse })
  @ApiErrors(new ForbiddenError('members:manage_owners'), notFoundExample('workspace'), notFoundExample('organization'), notFoundExample('user'), alreadyMember('workspace'), 422)
  addWorkspaceMember(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: WorkspaceScopeParamsDto, @Body() body: AddMemberDto): Promise<MemberResponse> {
    return this.members.add(ctx, user, enforced, scopeOf(params), body);
  }

  /** Update Workspace Member Role */
  @Patch(':member_user_id')
  @Conditional()
  @RequirePermission('members:update')
  @ApiOkResponse({ type: MemberResponse })
  @ApiErrors(new ForbiddenError('members:manage_owners'), notFoundExample('member'), notFoundExample('workspace'), notFoundExample('organization'), lastWorkspaceOwner(EXAMPLE_ID), 422)
  updateWorkspaceMemberRole(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @EnforcedPermission() enforced: Permission | null,
    @Param() params: MemberParamsDto, @Body() body: UpdateMemberDto): Promise<MemberResponse> {
    return this.members.changeRole(ctx, user, enforced, scopeOf(params), params.member_user_id, body.role);
  }

  /** Remove Workspace Member (a member may remove themself: leave) */
  @Delete(':member_user_id')
  @Conditional()
  @HttpCode(204)
  @RequirePermission('members:remove')
  @AllowSelf('member_user_id')
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(new ForbiddenError('members:manage_owners'), notFoundExample('member'), notFoundExample('workspace'), notFoundExample('organization'), lastWorkspaceOwner(EXAMPLE_ID), 422)
  async removeWorkspaceMember(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @EnforcedPermission() enforced: Permission | null, @Param() params: MemberParamsDto): Promise<void> {
    await this.members.remove(ctx, user, enforced, scopeOf(params), params.member_user_id);
  }
}
