import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DeferJob, JobsService, PermanentJobFailure, type Job } from '../jobs/jobs.service.js';
import { DeliveriesRepository, type DeliveryToSend } from './deliveries.repository.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { DELIVERY_QUEUE, WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-options.js';
import { sendDelivery, type SendOutcome } from './webhook-sender.js';
import { signedHeaders } from './webhook-signer.js';
import { WebhooksService } from './webhooks.service.js';

/** Jobs of the delivery queue running at once on one instance (each endpoint has its own smaller cap). */
const QUEUE_CONCURRENCY = 64;
/** How soon a delivery waiting for its endpoint's slot is tried again. */
const BUSY_RETRY_MS = 200;

/**
 * Sends one delivery per job: signs it, POSTs it, records the attempt, and leaves the retry to the
 * job queue's schedule. A 2xx settles it; a 410 disables the endpoint; anything else (an error, a
 * timeout, a redirect) is retried until the schedule is spent, then the delivery is failed. Each
 * endpoint has a few deliveries in flight per instance at most, so a slow receiver holds only its
 * own slots and never those of the others.
 */
@Injectable()
export class WebhookWorker implements OnModuleInit {
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly jobs: JobsService,
    private readonly deliveries: DeliveriesRepository,
    private readonly webhooks: WebhooksService,
    private readonly metrics: WebhookMetrics,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
  ) {}

  onModuleInit(): void {
    this.jobs.register<{ delivery_id: string }>(DELIVERY_QUEUE, (job) => this.run(job), {
      concurrency: QUEUE_CONCURRENCY,
      retryDelaysMs: this.options.retryScheduleMs,
      // Longer than one attempt can take, so a live attempt is never run twice at once.
      leaseMs: this.options.timeoutMs + 5_000,
    });
  }

  private async run(job: Job<{ delivery_id: string }>): Promise<void> {
    const delivery = await this.deliveries.findToSend(job.payload.delivery_id);
    if (!delivery || delivery.state !== 'pending') return;
    if (!delivery.endpoint.enabled) return this.deliveries.abandon(delivery.delivery_id);
    const webhookId = delivery.endpoint.webhook_id;
    const busy = this.inFlight.get(webhookId) ?? 0;
    if (busy >= this.options.perEndpointConcurrency) throw new DeferJob(BUSY_RETRY_MS);
    this.inFlight.set(webhookId, busy + 1);
    let outcome: SendOutcome;
    try {
      outcome = await this.send(delivery);
    } finally {
      const left = (this.inFlight.get(webhookId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(webhookId, left);
      else this.inFlight.delete(webhookId);
    }
    await this.settle(delivery, job.attempt, outcome);
  }

  private send(delivery: DeliveryToSend): Promise<SendOutcome> {
    const { endpoint } = delivery;
    const secrets = [endpoint.secret_enc, endpoint.previous_secret_enc].filter((s): s is string => !!s).map((s) => this.options.box.open(s));
    return sendDelivery({
      url: endpoint.url,
      headers: signedHeaders(delivery.event_id, delivery.body, secrets),
      body: delivery.body,
      timeoutMs: this.options.timeoutMs,
      allowPrivate: this.options.allowPrivate,
    });
  }

  /** Records the attempt; throws to have the queue retry (or give up) as the outcome says. */
  private async settle(delivery: DeliveryToSend, attempt: number, outcome: SendOutcome): Promise<void> {
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const gone = outcome.status === 410;
    const retryIn = this.options.retryScheduleMs[attempt - 1];
    const final = ok ? 'succeeded' : gone || retryIn === undefined ? 'failed' : null;
    const record = {
      attempted_at: new Date(Date.now() - outcome.durationMs),
      status_code: outcome.status,
      duration_ms: outcome.durationMs,
      error: outcome.error ?? (ok ? null : `receiver answered ${outcome.status}`),
      next_attempt_at: final ? null : new Date(Date.now() + retryIn!),
    };
    await this.deliveries.recordAttempt(delivery.delivery_id, delivery.endpoint.webhook_id, record, final);
    this.metrics.count(ok ? 'succeeded' : gone ? 'gone' : final ? 'failed' : 'retrying');
    if (ok) return;
    if (gone) {
      await this.webhooks.disableGone(delivery.endpoint.webhook_id, delivery.endpoint.org_id);
      throw new PermanentJobFailure('the receiver answered 410 Gone');
    }
    throw new Error(record.error!);
  }
}
