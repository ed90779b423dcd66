import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentScope } from '../access/current-scope.decorator.js';
import { RequirePermission } from '../access/permission.decorator.js';
import type { ResolvedScope } from '../access/scope.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors, notFoundExample } from '../common/openapi.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import type { User } from '../database/entities/user.entity.js';
import { OrgParamsDto } from './organization.dto.js';
import { slugConflict } from './slug-insert.js';
import { CreateWorkspaceDto, UpdateWorkspaceDto, WorkspaceListResponse, WorkspaceParamsDto, WorkspaceResponse } from './workspace.dto.js';
import { WorkspacesService } from './workspaces.service.js';

@ApiTags('workspaces')
@Controller('v1/orgs/:org_id/workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  /** Create Workspace (the caller becomes its owner) */
  @Post()
  @Idempotent()
  @RequirePermission('workspaces:create')
  @ApiCreatedResponse({ type: WorkspaceResponse })
  @ApiErrors(notFoundExample('organization'), slugConflict('workspace'), 422)
  createWorkspace(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @Param() params: OrgParamsDto,
    @Body() body: CreateWorkspaceDto,
  ): Promise<WorkspaceResponse> {
    return this.workspaces.create(ctx, user, params.org_id, body);
  }

  /** List Workspaces of the organization that the caller can see */
  @Get()
  @RequirePermission('orgs:read')
  @ApiOkResponse({ type: WorkspaceListResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  listWorkspaces(
    @CurrentUser() user: User,
    @CurrentScope() scope: ResolvedScope,
    @Param() _params: OrgParamsDto,
    @Query() query: PageQueryDto,
  ): Promise<WorkspaceListResponse> {
    return this.workspaces.list(user, scope, query);
  }

  /** Get Workspace */
  @Get(':workspace_id')
  @Conditional()
  @RequirePermission('workspaces:read')
  @ApiOkResponse({ type: WorkspaceResponse })
  @ApiErrors(notFoundExample('workspace'), notFoundExample('organization'), 422)
  getWorkspace(@Param() params: WorkspaceParamsDto): Promise<WorkspaceResponse> {
    return this.workspaces.get(params.workspace_id);
  }

  /** Update Workspace (name, slug, description) */
  @Patch(':workspace_id')
  @Conditional()
  @RequirePermission('workspaces:update')
  @ApiOkResponse({ type: WorkspaceResponse })
  @ApiErrors(notFoundExample('workspace'), notFoundExample('organization'), slugConflict('workspace'), 422)
  updateWorkspace(@Ctx() ctx: RequestContext, @Param() params: WorkspaceParamsDto, @Body() body: UpdateWorkspaceDto): Promise<WorkspaceResponse> {
    return this.workspaces.update(ctx, params.workspace_id, body);
  }

  /** Delete Workspace with its memberships */
  @Delete(':workspace_id')
  @Conditional()
  @HttpCode(204)
  @RequirePermission('workspaces:delete')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(notFoundExample('workspace'), notFoundExample('organization'), 422)
  async deleteWorkspace(@Ctx() ctx: RequestContext, @Param() params: WorkspaceParamsDto): Promise<void> {
    await this.workspaces.remove(ctx, params.workspace_id);
  }
}
