import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { CurrentUser, Public, QueryInt, QueryParams, RequirePermission, type User } from 'identity-service';

@QueryParams()
export class ReportQuery {
  @IsUUID()
  workspace_id!: string;

  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** A route of the consuming service, protected by the identity service's permission model. */
@Controller('reports')
export class ReportsController {
  @Get('ping')
  @Public()
  ping(): { status: string } {
    return { status: 'ok' };
  }

  /** Any member of the workspace may read (viewers and members have `workspaces:read`). */
  @Get()
  @RequirePermission('workspaces:read')
  list(@Query() query: ReportQuery, @CurrentUser() user: User): { workspace_id: string; limit: number; requested_by: string } {
    return { workspace_id: query.workspace_id, limit: query.limit ?? 10, requested_by: user.username };
  }

  /** Publishing needs a workspace admin (`workspaces:update`). */
  @Post('publish')
  @HttpCode(200)
  @RequirePermission('workspaces:update')
  publish(@Query() query: ReportQuery, @CurrentUser() user: User): { published: boolean; workspace_id: string; by: string } {
    return { published: true, workspace_id: query.workspace_id, by: user.user_id };
  }
}
