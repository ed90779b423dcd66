import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AllowSelf } from '../access/allow-self.decorator.js';
import { RequirePermission } from '../access/permission.decorator.js';
import { CurrentSession, CurrentUser } from '../auth/current-user.decorator.js';
import { ForbiddenError } from '../common/errors/app-error.js';
import { ApiErrors, EXAMPLE_ID, notFoundExample } from '../common/openapi.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { ExpensiveRead } from '../common/concurrency/expensive-read.js';
import { UserListResponse, UserResponse } from './dto/user-response.dto.js';
import { CreateUserRequest, GetUserQuery, ListUsersQuery, PreferencesPatchRequest, UpdateUserRequest, UserIdParams } from './dto/users.dto.js';
import { emailTaken, lastAdmin, lastOwnerOfUser, usernameTaken } from './user-errors.js';
import { userResource } from './user-response.js';
import type { User } from '../database/entities/user.entity.js';
import { UsersListService } from './users-list.service.js';
import { SEARCH_TOTAL_CAP } from '../database/user-search.js';
import { UsersService } from './users.service.js';

/**
 * `/v1/users`. Bodies are validated by the global pipe, after the guard has decided the permission
 * (so a caller without it learns nothing about the body), and with passwords never echoed in a 422.
 */
@ApiTags('users')
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly lists: UsersListService,
  ) {}

  @Get()
  @ExpensiveRead()
  @RequirePermission('users:read')
  @ApiOperation({
    summary: 'List the users of a workspace, or every user (platform admin)',
    description:
      'With `workspace_id`: the members of that workspace (`users:read` there; 404 if the caller is not in its organization). ' +
      'Without it: every user, for a platform admin only; anyone else gets 422 `missing` at `["query", "workspace_id"]`. ' +
      '`search` (a case-insensitive substring of name, username or email), `is_active` and `role` (platform role) narrow either list. ' +
      'Ordered by `created_at`, then `user_id`, and paged by `next_cursor`. `total` is exact for a whole workspace; ' +
      `otherwise it counts up to ${SEARCH_TOTAL_CAP} matches and then stays at ${SEARCH_TOTAL_CAP}.`,
  })
  @ApiOkResponse({ type: UserListResponse })
  @ApiErrors(notFoundExample('workspace'), 422)
  list(@CurrentUser() user: User, @Query() query: ListUsersQuery): Promise<UserListResponse> {
    return this.lists.list(query, user);
  }

  @Post()
  @Idempotent()
  @RequirePermission('users:create')
  @ApiOperation({ summary: 'Create a user (platform admin)' })
  @ApiBody({ type: CreateUserRequest })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrors(emailTaken(), usernameTaken(), 422)
  create(@Ctx() ctx: RequestContext, @Body() body: CreateUserRequest): Promise<UserResponse> {
    return this.users.create(ctx, body);
  }

  /** The caller, as the authentication guard loaded them on this request: no further query. */
  @Get('me')
  @Conditional()
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOperation({ summary: 'Get the current user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(401)
  me(@CurrentUser() user: User): UserResponse {
    return userResource(user);
  }

  @Patch('me/preferences')
  @Conditional()
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOperation({ summary: 'Merge-patch my preferences (RFC 7396: nested objects merge, null removes a key)' })
  @ApiBody({ type: PreferencesPatchRequest })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(401, 422)
  patchPreferences(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @Body() dto: PreferencesPatchRequest): Promise<UserResponse> {
    return this.users.patchPreferences(ctx, user, dto.preferences);
  }

  @Get(':user_id')
  @Conditional()
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOperation({ summary: 'Get a user (oneself, a user sharing a workspace, or anyone for a platform admin)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(401, new ForbiddenError('users:read'), notFoundExample('user'), notFoundExample('workspace'), 422)
  get(@CurrentUser() user: User, @Param() params: UserIdParams, @Query() query: GetUserQuery): Promise<UserResponse> {
    return this.users.findVisible(user, params.user_id, query.workspace_id);
  }

  @Put(':user_id')
  @Conditional()
  @RequirePermission('users:update')
  @AllowSelf('user_id')
  @ApiOperation({ summary: 'Update a user (partial): oneself, or anyone for a platform admin' })
  // A partial update: the example changes profile fields only, not roles, flags or the password.
  @ApiBody({ type: UpdateUserRequest, examples: { profile: { summary: 'Update profile fields', value: { full_name: 'Jane Doe', timezone: 'Europe/Paris', locale: 'fr-FR' } } } })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(new ForbiddenError('users:manage'), notFoundExample('user'), emailTaken(), usernameTaken(), lastAdmin(), 422)
  async update(
    @Ctx() ctx: RequestContext,
    @CurrentUser() user: User,
    @CurrentSession() session: string | undefined,
    @Param() params: UserIdParams,
    @Body() body: UpdateUserRequest,
  ): Promise<UserResponse> {
    return this.users.update(ctx, user, params.user_id.toLowerCase(), body, session);
  }

  @Delete(':user_id')
  @Conditional()
  @HttpCode(204)
  @RequirePermission('users:delete')
  @AllowSelf('user_id')
  @ApiOperation({ summary: 'Delete a user: oneself, or anyone for a platform admin' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(notFoundExample('user'), lastAdmin(), lastOwnerOfUser([EXAMPLE_ID], []), 422)
  async remove(@Ctx() ctx: RequestContext, @Param() params: UserIdParams): Promise<void> {
    await this.users.remove(ctx, params.user_id.toLowerCase());
  }
}
