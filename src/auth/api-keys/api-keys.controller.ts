import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOAuth2, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../access/permission.decorator.js';
import { NotFoundError } from '../../common/errors/app-error.js';
import { ApiErrors, EXAMPLE_ID, notFoundExample } from '../../common/openapi.js';
import { Ctx, type RequestContext } from '../../common/request-context.js';
import type { User } from '../../database/entities/user.entity.js';
import { CurrentUser } from '../current-user.decorator.js';
import { ApiKeyListResponse, CreateApiKeyRequest, CreatedApiKeyResponse, OrgKeyParams, OrgKeysParams, PersonalKeyParams } from './api-key.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { Idempotent } from '../../common/http/conditional/decorators.js';

const keyNotFound = () => new NotFoundError('api_key', EXAMPLE_ID);
const CREATE_DESCRIPTION =
  'The response is the only place the key itself (`key`) ever appears: only its SHA-256 and its first 8 random ' +
  'characters (`prefix`) are kept. Send it as `Authorization: Bearer idk_…`. 409 `key_limit` beyond 100 live keys.';

/** The caller's own keys: each acts as the caller, within its scopes when it has them. */
@ApiTags('keys')
@ApiBearerAuth('bearer')
@ApiOAuth2([], 'oauth2')
@Controller('v1/users/me/api-keys')
export class PersonalApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a personal API key', description: CREATE_DESCRIPTION })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(409, 422)
  create(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @Body() body: CreateApiKeyRequest): Promise<CreatedApiKeyResponse> {
    return this.keys.create(ctx, user, { kind: 'user', userId: user.user_id }, body);
  }

  @Get()
  @ApiOperation({ summary: 'List my live API keys (newest first; the key itself is never shown again)' })
  @ApiOkResponse({ type: ApiKeyListResponse })
  list(@CurrentUser() user: User): Promise<ApiKeyListResponse> {
    return this.keys.list({ kind: 'user', userId: user.user_id });
  }

  @Delete(':key_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of my API keys (it stops working at once)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(keyNotFound(), 422)
  async revoke(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @Param() params: PersonalKeyParams): Promise<void> {
    await this.keys.revoke(ctx, { kind: 'user', userId: user.user_id }, params.key_id);
  }
}

/** An organization's keys: principals of their own, acting only inside the org with exactly their scopes. */
@ApiTags('keys')
@Controller('v1/orgs/:org_id/api-keys')
export class OrgApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Idempotent()
  @RequirePermission('api_keys:manage')
  @ApiOperation({ summary: 'Create an organization API key', description: CREATE_DESCRIPTION })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(notFoundExample('organization'), 409, 422)
  create(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @Param() params: OrgKeysParams, @Body() body: CreateApiKeyRequest): Promise<CreatedApiKeyResponse> {
    return this.keys.create(ctx, user, { kind: 'org', orgId: params.org_id.toLowerCase() }, body);
  }

  @Get()
  @RequirePermission('api_keys:manage')
  @ApiOperation({ summary: "List the organization's live API keys (newest first)" })
  @ApiOkResponse({ type: ApiKeyListResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  list(@Param() params: OrgKeysParams): Promise<ApiKeyListResponse> {
    return this.keys.list({ kind: 'org', orgId: params.org_id.toLowerCase() });
  }

  @Delete(':key_id')
  @HttpCode(204)
  @RequirePermission('api_keys:manage')
  @ApiOperation({ summary: 'Revoke an organization API key' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(keyNotFound(), notFoundExample('organization'), 422)
  async revoke(@Ctx() ctx: RequestContext, @Param() params: OrgKeyParams): Promise<void> {
    await this.keys.revoke(ctx, { kind: 'org', orgId: params.org_id.toLowerCase() }, params.key_id);
  }
}
