import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error.js';
import { CursorCodec, invalidCursor } from '../common/pagination/cursor.js';
import { cursorScope } from '../common/pagination/keyset.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page-query.dto.js';
import { JobsService } from '../jobs/jobs.service.js';
import { DeliveriesRepository, type AttemptRow } from './deliveries.repository.js';
import { WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-options.js';
import type { DeliveryAttemptResponse, DeliveryListQuery, DeliveryListResponse } from './webhook.dto.js';
import { WebhooksRepository } from './webhooks.repository.js';

/** The log of delivery attempts, and its retention. */
@Injectable()
export class WebhookDeliveriesService implements OnModuleInit {
  private readonly logger = new Logger('WebhookDeliveries');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly endpoints: WebhooksRepository,
    private readonly cursors: CursorCodec,
    private readonly jobs: JobsService,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
  ) {}

  onModuleInit(): void {
    this.jobs.every('webhooks.retention', 3_600_000, () => this.purge());
  }

  async list(orgId: string, webhookId: string, query: DeliveryListQuery): Promise<DeliveryListResponse> {
    if (!(await this.endpoints.find(this.dataSource.manager, orgId, webhookId))) throw new NotFoundError('webhook', webhookId);
    const scope = cursorScope('webhook-deliveries', webhookId.toLowerCase());
    const before = query.cursor ? this.position(query.cursor, scope) : undefined;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.deliveries.attempts(webhookId, before, limit);
    const page = this.cursors.page(rows, limit, scope, (row) => [row.attempt_id]);
    return { deliveries: page.items.map(toAttemptResponse), has_more: page.has_more, next_cursor: page.next_cursor };
  }

  /** Finished deliveries (and their attempts) go when events of their age do. */
  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await this.deliveries.purgeFinished(cutoff, 5_000);
      total += deleted;
      if (deleted === 0) break;
    }
    if (total > 0) this.logger.log(`deleted ${total} finished webhook deliveries`);
    return total;
  }

  private position(cursor: string, scope: string): string {
    const [id, extra] = this.cursors.decode(cursor, scope);
    if (typeof id !== 'string' || extra !== undefined || !/^\d{1,20}$/.test(id)) throw invalidCursor(cursor);
    return id;
  }
}

function toAttemptResponse(row: AttemptRow): DeliveryAttemptResponse {
  return {
    delivery_id: row.delivery_id,
    event_id: row.event_id,
    event_type: row.event_type,
    state: row.state,
    attempted_at: row.attempted_at.toISOString(),
    status_code: row.status_code,
    duration_ms: row.duration_ms,
    error: row.error,
    next_attempt_at: row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
  };
}
