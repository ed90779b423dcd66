import { Counter, Gauge, type Registry } from 'prom-client';

export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed' | 'gone' | 'refused';

/** Delivery figures for `/metrics`: attempts by outcome, the backlog and its oldest delivery's age. */
export class WebhookMetrics {
  private readonly outcomes: Counter<'outcome'>;

  constructor(registry: Registry, backlog: () => Promise<{ pending: number; oldest_seconds: number }>) {
    this.outcomes = new Counter({ name: 'webhook_deliveries_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
    let last: Promise<{ pending: number; oldest_seconds: number }> | undefined;
    // One backlog query per scrape, shared by both gauges.
    const read = () => (last ??= backlog().finally(() => setTimeout(() => (last = undefined), 1000).unref()));
    new Gauge({
      name: 'webhook_queue_depth',
      help: 'Webhook deliveries waiting to succeed or give up',
      registers: [registry],
      async collect() {
        this.set((await read().catch(() => ({ pending: 0 }))).pending);
      },
    });
    new Gauge({
      name: 'webhook_oldest_undelivered_age_seconds',
      help: 'Age of the oldest webhook delivery still waiting',
      registers: [registry],
      async collect() {
        this.set((await read().catch(() => ({ oldest_seconds: 0 }))).oldest_seconds);
      },
    });
  }

  count(outcome: DeliveryOutcome): void {
    this.outcomes.inc({ outcome });
  }
}
