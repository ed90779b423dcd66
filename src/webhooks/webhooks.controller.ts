import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/permission.decorator.js';
import { ApiErrors, notFoundExample } from '../common/openapi.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';
import {
  CreateWebhookRequest,
  DeliveryListQuery,
  DeliveryListResponse,
  UpdateWebhookRequest,
  WebhookListResponse,
  WebhookOrgParams,
  WebhookParams,
  WebhookResponse,
  WebhookTestResponse,
  WebhookWithSecretResponse,
} from './webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';
import { Conditional, Idempotent } from '../common/http/conditional/decorators.js';

const org = (params: WebhookOrgParams) => params.org_id.toLowerCase();

@ApiTags('webhooks')
@Controller('v1/orgs/:org_id/webhooks')
@RequirePermission('webhooks:manage')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Register a webhook endpoint',
    description: 'The URL must be https and resolve to public addresses only. The signing `secret` is in this response only.',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  create(@Ctx() ctx: RequestContext, @Param() params: WebhookOrgParams, @Body() body: CreateWebhookRequest): Promise<WebhookWithSecretResponse> {
    return this.webhooks.create(ctx, org(params), body);
  }

  @Get()
  @ApiOperation({ summary: "The organization's webhook endpoints, oldest first" })
  @ApiOkResponse({ type: WebhookListResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  async list(@Param() params: WebhookOrgParams): Promise<WebhookListResponse> {
    return { webhooks: await this.webhooks.list(org(params)) };
  }

  @Get(':webhook_id')
  @Conditional()
  @ApiOperation({ summary: 'Get a webhook endpoint' })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiErrors(notFoundExample('webhook'), notFoundExample('organization'), 422)
  get(@Param() params: WebhookParams): Promise<WebhookResponse> {
    return this.webhooks.get(org(params), params.webhook_id);
  }

  @Patch(':webhook_id')
  @Conditional()
  @ApiOperation({ summary: 'Change the URL, event types, description, or turn the endpoint on or off' })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiErrors(notFoundExample('webhook'), notFoundExample('organization'), 422)
  update(@Ctx() ctx: RequestContext, @Param() params: WebhookParams, @Body() body: UpdateWebhookRequest): Promise<WebhookResponse> {
    return this.webhooks.update(ctx, org(params), params.webhook_id, body);
  }

  @Delete(':webhook_id')
  @Conditional()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint with its delivery log' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(notFoundExample('webhook'), notFoundExample('organization'), 422)
  async remove(@Ctx() ctx: RequestContext, @Param() params: WebhookParams): Promise<void> {
    await this.webhooks.remove(ctx, org(params), params.webhook_id);
  }

  @Post(':webhook_id/rotate-secret')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'New signing secret (shown once); the previous one keeps signing alongside it for 24 hours' })
  @ApiOkResponse({ type: WebhookWithSecretResponse })
  @ApiErrors(notFoundExample('webhook'), notFoundExample('organization'), 422)
  rotate(@Ctx() ctx: RequestContext, @Param() params: WebhookParams): Promise<WebhookWithSecretResponse> {
    return this.webhooks.rotate(ctx, org(params), params.webhook_id);
  }

  @Get(':webhook_id/deliveries')
  @ApiOperation({ summary: 'Delivery attempts to the endpoint, newest first' })
  @ApiOkResponse({ type: DeliveryListResponse })
  @ApiErrors(notFoundExample('webhook'), notFoundExample('organization'), 422)
  listDeliveries(@Param() params: WebhookParams, @Query() query: DeliveryListQuery): Promise<DeliveryListResponse> {
    return this.deliveries.list(org(params), params.webhook_id, query);
  }

  @Post(':webhook_id/test')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a signed `webhook.test` message to the endpoint' })
  @ApiAcceptedResponse({ type: WebhookTestResponse })
  @ApiErrors(notFoundExample('webhook'), notFoundExample('organization'), 422)
  test(@Ctx() ctx: RequestContext, @Param() params: WebhookParams): Promise<WebhookTestResponse> {
    return this.webhooks.test(ctx, org(params), params.webhook_id);
  }
}
