import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOAuth2, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/permission.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors, notFoundExample } from '../common/openapi.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import type { User } from '../database/entities/user.entity.js';
import { CreateOrganizationDto, OrganizationListResponse, OrganizationResponse, OrgParamsDto, UpdateOrganizationDto } from './organization.dto.js';
import { OrganizationsService } from './organizations.service.js';
import { slugConflict } from './slug-insert.js';

@ApiTags('organizations')
@Controller('v1/orgs')
export class OrganizationsController {
  constructor(private readonly orgs: OrganizationsService) {}

  /** Create Organization (the caller becomes its owner) */
  @Post()
  @Idempotent()
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiCreatedResponse({ type: OrganizationResponse })
  @ApiErrors(401, slugConflict('organization'), 422)
  createOrganization(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @Body() body: CreateOrganizationDto): Promise<OrganizationResponse> {
    return this.orgs.create(ctx, user, body);
  }

  /** List Organizations the caller belongs to (all of them for a platform admin) */
  @Get()
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOkResponse({ type: OrganizationListResponse })
  @ApiErrors(401, 422)
  listOrganizations(@CurrentUser() user: User, @Query() query: PageQueryDto): Promise<OrganizationListResponse> {
    return this.orgs.list(user, query);
  }

  /** Get Organization */
  @Get(':org_id')
  @Conditional()
  @RequirePermission('orgs:read')
  @ApiOkResponse({ type: OrganizationResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  getOrganization(@Param() params: OrgParamsDto): Promise<OrganizationResponse> {
    return this.orgs.get(params.org_id);
  }

  /** Update Organization (name, slug) */
  @Patch(':org_id')
  @Conditional()
  @RequirePermission('orgs:update')
  @ApiOkResponse({ type: OrganizationResponse })
  @ApiErrors(notFoundExample('organization'), slugConflict('organization'), 422)
  updateOrganization(@Ctx() ctx: RequestContext, @Param() params: OrgParamsDto, @Body() body: UpdateOrganizationDto): Promise<OrganizationResponse> {
    return this.orgs.update(ctx, params.org_id, body);
  }

  /** Delete Organization with its workspaces and memberships */
  @Delete(':org_id')
  @Conditional()
  @HttpCode(204)
  @RequirePermission('orgs:delete')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(notFoundExample('organization'), 422)
  async deleteOrganization(@Ctx() ctx: RequestContext, @Param() params: OrgParamsDto): Promise<void> {
    await this.orgs.remove(ctx, params.org_id);
  }
}
