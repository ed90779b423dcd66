import 'reflect-metadata';
import { Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import { RequirePermission } from '../../dist/access/permission.decorator.js';
import { ApiErrors } from '../../dist/common/openapi.js';
import { Ctx, type RequestContext } from '../../dist/common/request-context.js';
import { PathParams } from '../../dist/common/validation/route-params.js';
import { transaction } from '../../dist/database/transaction.js';
import { EventsModule } from '../../dist/events/events.module.js';
import { EventsService } from '../../dist/events/events.service.js';

/**
 * A consumer's own write, recorded through the exported outbox writer in its own transaction:
 * its events must show in the same feed and reach the same webhooks as the service's.
 */
@PathParams()
export class ConsumerOrgPath {
  @IsUUID('loose') org_id: string;
}

@Controller('consumer/orgs/:org_id/keys')
export class ConsumerKeysController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  @Post()
  @HttpCode(204)
  @RequirePermission('orgs:update')
  @ApiNoContentResponse({ description: 'Recorded' })
  @ApiErrors(422)
  async create(@Ctx() ctx: RequestContext, @Param() path: ConsumerOrgPath): Promise<void> {
    await transaction(this.dataSource, (m) =>
      this.events.record(m, ctx, { type: 'api_key.created', orgId: path.org_id, target: { type: 'api_key', id: 'key-1' }, data: { name: 'ci', secret: 'sk_live_x' } }),
    );
  }
}

@Module({ imports: [EventsModule], controllers: [ConsumerKeysController] })
export class ConsumerEventsModule {}
