import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../access/permission.decorator.js';
import { ApiErrors, notFoundExample } from '../../common/openapi.js';
import { AuditLogResponse, AuditQueryDto, EventFeedResponse, EventsOrgParams, FeedQueryDto } from './event.dto.js';
import { EventFeedService } from './event-feed.service.js';

const FEED_DESCRIPTION =
  'Oldest first. Pass `next_cursor` as `after` to continue; every page, an empty one too, carries a `next_cursor` to poll from. ' +
  'An event appears once its transaction and every older one have finished, so a reader never skips an event that commits late.';

@ApiTags('events')
@Controller('v1')
export class EventsController {
  constructor(private readonly feeds: EventFeedService) {}

  @Get('orgs/:org_id/events')
  @RequirePermission('events:read')
  @ApiOperation({ summary: "The organization's events feed", description: FEED_DESCRIPTION })
  @ApiOkResponse({ type: EventFeedResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  orgFeed(@Param() params: EventsOrgParams, @Query() query: FeedQueryDto): Promise<EventFeedResponse> {
    return this.feeds.feed(params.org_id.toLowerCase(), query);
  }

  @Get('events')
  @RequirePermission('events:read')
  @ApiOperation({ summary: 'Every event of the platform (platform admins)', description: FEED_DESCRIPTION })
  @ApiOkResponse({ type: EventFeedResponse })
  @ApiErrors(422)
  feed(@Query() query: FeedQueryDto): Promise<EventFeedResponse> {
    return this.feeds.feed(undefined, query);
  }

  @Get('orgs/:org_id/audit-log')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: "The organization's audit log, newest first", description: 'Filters combine; `from` is inclusive, `to` exclusive.' })
  @ApiOkResponse({ type: AuditLogResponse })
  @ApiErrors(notFoundExample('organization'), 422)
  orgAudit(@Param() params: EventsOrgParams, @Query() query: AuditQueryDto): Promise<AuditLogResponse> {
    return this.feeds.audit(params.org_id.toLowerCase(), query);
  }

  @Get('audit-log')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'The audit log of the whole platform, newest first (platform admins)' })
  @ApiOkResponse({ type: AuditLogResponse })
  @ApiErrors(422)
  audit(@Query() query: AuditQueryDto): Promise<AuditLogResponse> {
    return this.feeds.audit(undefined, query);
  }
}
