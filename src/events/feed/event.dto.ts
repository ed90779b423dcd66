import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { Optional, QueryInt } from '../../common/validation/decorators.js';
import { PathParams, QueryParams } from '../../common/validation/route-params.js';
import { LowerCaseUuid } from '../../common/validation/uuid.js';
import { PageLimit } from '../../common/pagination/page-query.dto.js';

export const FEED_PAGE_MAX = 100;
export const FEED_PAGE_DEFAULT = 50;

export class EventActor {
  @ApiProperty({ enum: ['user', 'api_key', 'system'] })
  type: 'user' | 'api_key' | 'system';

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true })
  id: string | null;
}

export class EventTarget {
  /** What the event is about: `user`, `organization`, `workspace`, `member`, `webhook_endpoint`, `login`, … */
  type: string;

  /** Its id (for an unknown login, the login as the unique indexes fold it). */
  id: string;
}

const JSON_OBJECT = { type: 'object', additionalProperties: true, nullable: true } as const;

/** One event of the outbox, as the feed, the audit log and webhook deliveries show it. */
export class EventResponse {
  @ApiProperty({ format: 'uuid' })
  event_id: string;

  /** Increases with every event written; unique. */
  sequence: number;

  @ApiProperty({ example: 'workspace_member.added' })
  type: string;

  @ApiProperty({ format: 'date-time' })
  occurred_at: string;

  actor: EventActor;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true })
  org_id: string | null;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true })
  workspace_id: string | null;

  target: EventTarget;

  /** The target after the change, in its public shape (null for a deletion). */
  @ApiProperty(JSON_OBJECT)
  data: Record<string, unknown> | null;

  /** `{field: [before, after]}` of the changed fields of an update; secrets read `**********`. */
  @ApiProperty(JSON_OBJECT)
  changes: Record<string, [unknown, unknown]> | null;

  @ApiProperty({ type: 'string', nullable: true })
  request_id: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  ip: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  user_agent: string | null;
}

export class EventFeedResponse {
  @ApiProperty({ type: [EventResponse] })
  events: EventResponse[];

  /** Pass as `after` for the next page; always set, also on an empty page (poll from it). */
  next_cursor: string;

  has_more: boolean;
}

export class AuditLogResponse {
  @ApiProperty({ type: [EventResponse] })
  events: EventResponse[];

  @ApiProperty({ type: 'string', nullable: true })
  next_cursor: string | null;

  has_more: boolean;
}

const TYPE_LIST = /^[a-z_]+\.[a-z_]+(,[a-z_]+\.[a-z_]+)*$/;

@QueryParams()
export class FeedQueryDto {
  /** `next_cursor` of the previous page; absent for the oldest events. */
  @Optional() @IsString() @MaxLength(512)
  after?: string;

  /** Comma-separated event types to keep, e.g. `org_member.added,org_member.removed`. */
  @ApiPropertyOptional({ example: 'org_member.added,org_member.removed' })
  @Optional() @IsString() @Matches(TYPE_LIST) @MaxLength(2000)
  types?: string;

  /** Page size, 1–100 (default 50). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: FEED_PAGE_MAX })
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(FEED_PAGE_MAX)
  limit?: number;
}

@QueryParams()
export class AuditQueryDto {
  /** Only events by this actor. */
  @Optional() @IsUUID('loose') @LowerCaseUuid()
  actor_id?: string;

  /** Only events of this type. */
  @Optional() @IsString() @Matches(/^[a-z_]+\.[a-z_]+$/)
  type?: string;

  /** Only events about this target (a user, organization, workspace, member or webhook id). */
  @Optional() @IsUUID('loose') @LowerCaseUuid()
  target_id?: string;

  /** Only events at or after this time (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time' })
  @Optional() @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  from?: string;

  /** Only events before this time (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time' })
  @Optional() @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  to?: string;

  /** Page size, 1–200 (default 50). */
  @PageLimit()
  limit?: number;

  /** `next_cursor` of the previous page. */
  @Optional() @IsString() @MaxLength(512)
  cursor?: string;
}

/** The organization whose events are read (a path DTO, so the document lists the parameter). */
@PathParams()
export class EventsOrgParams {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;
}
