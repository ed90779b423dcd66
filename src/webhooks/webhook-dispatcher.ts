import { Inject, Injectable, Optional, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import { toEventResponse, type EventRow } from '../events/feed/event-rows.js';
import { JobsService } from '../jobs/jobs.service.js';
import { DeliveriesRepository, type NewDelivery } from './deliveries.repository.js';
import { DELIVERY_QUEUE, WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-options.js';
import { WebhooksRepository, type Subscription } from './webhooks.repository.js';
import { isDatabaseUnavailable } from '../common/errors/database-errors.js';
import { DatabaseOutage } from '../database/outage.js';

const BATCH = 500;
const SOON_MS = 20;

/**
 * Fans events out to webhook endpoints: reads the events past a stored position, in feed order and
 * below the same visibility horizon as the feed (so none is skipped when it commits late), and in
 * one transaction inserts a delivery and its job per subscribed endpoint and moves the position on.
 * A crash before commit leaves the position where it was and the next run does the same work;
 * the unique (endpoint, event) pair keeps it from being done twice. One instance at a time holds
 * the fan-out (a transaction-scoped advisory lock); the deliveries themselves spread over every
 * instance through the job queue.
 *
 * Why a dispatcher rather than enqueueing in the change's own transaction: the writes of the API
 * then pay nothing for webhooks (no endpoint lookup per event, no extra rows), and a consumer's own
 * events reach webhooks without knowing they exist.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly endpoints: WebhooksRepository,
    private readonly jobs: JobsService,
    private readonly events: EventsService,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() private readonly outage?: DatabaseOutage,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.jobs.enabled) return;
    this.timer = setInterval(() => this.kick(), this.options.dispatchEveryMs);
    this.timer.unref();
    // An event written here is fanned out soon after its commit, not at the next round; events
    // written on other instances wait for this instance's round at most.
    this.events.onRecorded(() => this.soon());
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    await this.running;
  }

  private pending?: NodeJS.Timeout;

  /** A run shortly, once the transaction that wrote an event has had time to commit. */
  private soon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.kick();
    }, SOON_MS).unref();
  }

  /** Starts a run, or asks the one going to run once more when it ends. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.drain()
      .then(() => undefined)
      .catch((error: Error) => {
        // An outage is the database's to report, once; the next run retries either way.
        if (isDatabaseUnavailable(error) || this.outage?.isDown) return;
        this.logger.warn({ error: { name: error.name, message: error.message } }, 'webhook fan-out failed; the next run retries');
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) this.kick();
      });
  }

  /** Fans out until no visible event is left; how many events it went through. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { events, deliveries } = await transaction(this.dataSource, (m) => this.fanOutBatch(m));
      total += events;
      if (deliveries > 0) this.jobs.nudge();
      if (events < BATCH) return total;
    }
  }

  private async fanOutBatch(m: EntityManager): Promise<{ events: number; deliveries: number }> {
    if (!(await this.deliveries.lockDispatch(m))) return { events: 0, deliveries: 0 };
    const events = await this.deliveries.eventsToDispatch(m, BATCH);
    if (events.length === 0) return { events: 0, deliveries: 0 };
    const orgIds = [...new Set(events.map((e) => e.org_id).filter((id): id is string => id !== null))];
    const endpoints = await this.endpoints.subscribed(m, orgIds);
    const ids = await this.deliveries.insertMany(m, deliveriesFor(events, endpoints));
    await this.jobs.enqueueMany(m, DELIVERY_QUEUE, ids.map((id) => ({ delivery_id: id })));
    const last = events[events.length - 1];
    await this.deliveries.advance(m, last.txid, last.sequence);
    return { events: events.length, deliveries: ids.length };
  }
}

/**
 * One delivery per event and enabled endpoint of its org subscribed to its type (or to `*`). An
 * endpoint gets the events that happened once it existed, not older ones the fan-out reaches late.
 */
function deliveriesFor(events: EventRow[], endpoints: Subscription[]): NewDelivery[] {
  const out: NewDelivery[] = [];
  for (const event of events) {
    const matching = endpoints.filter(
      (w) => w.org_id === event.org_id && event.occurred_at.getTime() >= w.created_at.getTime() - 1 && (w.event_types.includes(event.type) || w.event_types.includes('*')),
    );
    if (matching.length === 0) continue;
    const data = toEventResponse(event);
    const body = JSON.stringify({ type: event.type, timestamp: data.occurred_at, data });
    for (const w of matching) out.push({ webhook_id: w.webhook_id, event_id: event.event_id, event_type: event.type, body });
  }
  return out;
}
