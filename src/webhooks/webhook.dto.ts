import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageCursor, PageLimit } from '../common/pagination/page-query.dto.js';
import { Nullable, Optional } from '../common/validation/decorators.js';
import { PathParams, QueryParams } from '../common/validation/route-params.js';

const EVENT_TYPE = /^(\*|[a-z_]+\.[a-z_]+)$/;

@PathParams()
export class WebhookOrgParams {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;
}

@PathParams()
export class WebhookParams {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Webhook ID */
  @IsUUID('loose')
  webhook_id: string;
}

export class CreateWebhookRequest {
  /** Where deliveries are POSTed: https, on a public address. */
  @ApiProperty({ example: 'https://hooks.example.com/identity', maxLength: 2048 })
  @IsString() @MaxLength(2048)
  url: string;

  /** Event types to deliver (`*` for every type). */
  @ApiProperty({ type: [String], example: ['org_member.added', 'org_member.removed'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @Matches(EVENT_TYPE, { each: true })
  event_types: string[];

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 500, example: 'Membership changes for the HR system' })
  @Optional() @Nullable() @IsString() @MaxLength(500)
  description?: string | null;
}

export class UpdateWebhookRequest {
  @ApiPropertyOptional({ maxLength: 2048, example: 'https://hooks.example.com/identity' })
  @Optional() @IsString() @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], example: ['org_member.added', 'org_member.removed'] })
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @Matches(EVENT_TYPE, { each: true })
  event_types?: string[];

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 500, example: 'Membership changes for the HR system' })
  @Optional() @Nullable() @IsString() @MaxLength(500)
  description?: string | null;

  /** `true` turns a disabled endpoint on again (and clears `disabled_reason`). */
  @Optional() @IsBoolean()
  enabled?: boolean;
}

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' })
  webhook_id: string;

  @ApiProperty({ format: 'uuid' })
  org_id: string;

  url: string;

  event_types: string[];

  @ApiProperty({ type: 'string', nullable: true })
  description: string | null;

  enabled: boolean;

  /** Why deliveries stopped (e.g. the receiver answered 410 Gone). */
  @ApiProperty({ type: 'string', nullable: true })
  disabled_reason: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class WebhookWithSecretResponse extends WebhookResponse {
  /** The signing secret (`whsec_…`); shown only in this response. */
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret: string;
}

export class WebhookListResponse {
  @ApiProperty({ type: [WebhookResponse] })
  webhooks: WebhookResponse[];
}

export class WebhookTestResponse {
  @ApiProperty({ format: 'uuid' })
  delivery_id: string;

  /** The `webhook-id` the receiver will see. */
  @ApiProperty({ format: 'uuid' })
  event_id: string;
}

export class DeliveryAttemptResponse {
  @ApiProperty({ format: 'uuid' })
  delivery_id: string;

  @ApiProperty({ format: 'uuid' })
  event_id: string;

  event_type: string;

  /** The delivery's state after this attempt's outcome: `pending` (retrying), `succeeded`, `failed`. */
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] })
  state: string;

  @ApiProperty({ format: 'date-time' })
  attempted_at: string;

  @ApiProperty({ type: 'integer', nullable: true })
  status_code: number | null;

  duration_ms: number;

  @ApiProperty({ type: 'string', nullable: true })
  error: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  next_attempt_at: string | null;
}

export class DeliveryListResponse {
  @ApiProperty({ type: [DeliveryAttemptResponse] })
  deliveries: DeliveryAttemptResponse[];

  has_more: boolean;

  @ApiProperty({ type: 'string', nullable: true })
  next_cursor: string | null;
}

@QueryParams()
export class DeliveryListQuery {
  /** Page size, 1–200 (default 50). */
  @PageLimit()
  limit?: number;

  /** Opaque cursor from the previous page's `next_cursor`. */
  @PageCursor(512)
  cursor?: string;
}
