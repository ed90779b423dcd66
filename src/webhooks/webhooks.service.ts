import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error.js';
import { SYSTEM_CONTEXT, type RequestContext } from '../common/request-context.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { newSigningSecret } from './secret-box.js';
import { ForbiddenTarget, parseWebhookUrl, resolveTarget } from './ssrf.js';
import { DELIVERY_QUEUE, ROTATION_OVERLAP_MS, WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-options.js';
import { endpointCreated, endpointDeleted, endpointUpdated, toWebhookResponse, webhookResource } from './webhook-events.js';
import type { CreateWebhookRequest, UpdateWebhookRequest, WebhookResponse, WebhookTestResponse, WebhookWithSecretResponse } from './webhook.dto.js';
import { WebhooksRepository, type EndpointRow } from './webhooks.repository.js';
import { checkPrecondition, etagOf, versionETag, withETag } from '../common/http/conditional/etag.js';

/** An org holds at most this many endpoints in its list answer. */
const LIST_LIMIT = 1000;

/** Webhook endpoints of an organization: registration (with the SSRF rules), changes, rotation, test sends. */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly endpoints: WebhooksRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly events: EventsService,
    private readonly jobs: JobsService,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
  ) {}

  async create(ctx: RequestContext, orgId: string, dto: CreateWebhookRequest): Promise<WebhookWithSecretResponse> {
    await this.checkUrl(dto.url);
    const secret = newSigningSecret();
    const fields = { url: dto.url, event_types: dto.event_types, description: dto.description ?? null };
    return transaction(this.dataSource, async (m) => {
      const row = await this.endpoints.insert(m, orgId, fields, this.options.box.seal(secret));
      await this.events.record(m, ctx, endpointCreated(row));
      return webhookResource(row, { ...toWebhookResponse(row), secret });
    }, ctx);
  }

  async list(orgId: string): Promise<WebhookResponse[]> {
    return (await this.endpoints.list(orgId, LIST_LIMIT)).map(toWebhookResponse);
  }

  async get(orgId: string, webhookId: string): Promise<WebhookResponse> {
    const row = await this.found(this.dataSource.manager, orgId, webhookId);
    return webhookResource(row, toWebhookResponse(row));
  }

  async update(ctx: RequestContext, orgId: string, webhookId: string, dto: UpdateWebhookRequest): Promise<WebhookResponse> {
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    return this.change(ctx, orgId, webhookId, (m) => this.endpoints.update(m, webhookId, dto));
  }

  /** A new secret, shown once; the previous one keeps signing alongside it for 24 hours. */
  async rotate(ctx: RequestContext, orgId: string, webhookId: string): Promise<WebhookWithSecretResponse> {
    const secret = newSigningSecret();
    const row = await this.change(ctx, orgId, webhookId, (m) => this.endpoints.rotate(m, webhookId, this.options.box.seal(secret), ROTATION_OVERLAP_MS));
    return withETag({ ...row, secret }, etagOf(row)!);
  }

  async remove(ctx: RequestContext, orgId: string, webhookId: string): Promise<void> {
    await transaction(this.dataSource, async (m) => {
      const row = await this.lockChecked(ctx, m, orgId, webhookId);
      await this.endpoints.delete(m, webhookId);
      await this.events.record(m, ctx, endpointDeleted(row));
    }, ctx);
  }

  /** Queues a `webhook.test` message to the endpoint, signed and retried like any delivery (not an event of the feed). */
  async test(ctx: RequestContext, orgId: string, webhookId: string): Promise<WebhookTestResponse> {
    const eventId = randomUUID();
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { webhook_id: webhookId, org_id: orgId } });
    const [deliveryId] = await transaction(this.dataSource, async (m) => {
      await this.found(m, orgId, webhookId);
      const ids = await this.deliveries.insertMany(m, [{ webhook_id: webhookId, event_id: eventId, event_type: 'webhook.test', body }]);
      await this.jobs.enqueueMany(m, DELIVERY_QUEUE, ids.map((id) => ({ delivery_id: id })));
      return ids;
    }, ctx);
    this.jobs.nudge();
    return { delivery_id: deliveryId, event_id: eventId };
  }

  /** A receiver answered 410 Gone: no more deliveries to it until someone enables it again. */
  async disableGone(webhookId: string, orgId: string): Promise<void> {
    await transaction(this.dataSource, async (m) => {
      const before = await this.endpoints.find(m, orgId, webhookId, true);
      const after = before && (await this.endpoints.disable(m, webhookId, 'The receiver answered 410 Gone'));
      const event = before && after ? endpointUpdated(before, after) : null;
      if (event) await this.events.record(m, SYSTEM_CONTEXT, event);
    });
  }

  private async change(ctx: RequestContext, orgId: string, webhookId: string, write: (m: EntityManager) => Promise<EndpointRow>): Promise<WebhookResponse> {
    return transaction(this.dataSource, async (m) => {
      const before = await this.lockChecked(ctx, m, orgId, webhookId);
      const after = await write(m);
      const event = endpointUpdated(before, after);
      if (event) await this.events.record(m, ctx, event);
      return webhookResource(after, toWebhookResponse(after));
    }, ctx);
  }

  /** The endpoint's row, locked; `If-Match` is compared with its tag under that lock. */
  private async lockChecked(ctx: RequestContext, m: EntityManager, orgId: string, webhookId: string): Promise<EndpointRow> {
    const row = await this.endpoints.find(m, orgId, webhookId.toLowerCase(), true);
    checkPrecondition(ctx, 'webhook', webhookId, row ? versionETag(row.version) : null);
    if (!row) throw new NotFoundError('webhook', webhookId);
    return row;
  }

  private async found(m: EntityManager, orgId: string, webhookId: string, lock = false): Promise<EndpointRow> {
    const row = await this.endpoints.find(m, orgId, webhookId.toLowerCase(), lock);
    if (!row) throw new NotFoundError('webhook', webhookId);
    return row;
  }

  /** https on a public address (unless private targets are allowed), else 422 at `url`. */
  private async checkUrl(url: string): Promise<void> {
    try {
      await resolveTarget(parseWebhookUrl(url, this.options.allowPrivate), this.options.allowPrivate);
    } catch (error) {
      if (error instanceof ForbiddenTarget) throw urlError(url, `URL ${error.message}`);
      // A host that does not resolve now may later; every delivery checks it again.
      if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND' || (error as NodeJS.ErrnoException).code === 'EAI_AGAIN') return;
      throw error;
    }
  }
}

function urlError(input: string, reason: string): RequestValidationError {
  return new RequestValidationError([{ type: 'value_error', loc: ['body', 'url'], msg: `Value error, ${reason}`, input, ctx: { error: reason } }]);
}
