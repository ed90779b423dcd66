import { Counter, Gauge, type Registry } from 'prom-client';

export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed' | 'gone' | 'refused';

/** Delivery figures for `/metrics`: attempts by outcome, the backlog and its oldest delivery's age. */
export class WebhookMetrics {
  private readonly outcomes: Counter<'outcome'>;

  constructor(registry: Registry, backlog: () => Promise<{ pending: number; oldest_seconds: number }>) {
    this.outcomes = new Counter({ name: 'webhook_deliveries_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
    // The backlog is read in the background, at most once a second, and a scrape reports the last
    // reading: a scrape never waits on (or competes for) a database connection.
    let reading = { pending: 0, oldest_seconds: 0 };
    let refreshed = 0;
    const refresh = () => {
      if (Date.now() - refreshed < 1000) return;
      refreshed = Date.now();
      setImmediate(() => backlog().then((r) => (reading = r), () => undefined));
    };
    new Gauge({
      name: 'webhook_queue_depth',
      help: 'Webhook deliveries waiting to succeed or give up (as read at most a second before the scrape)',
      registers: [registry],
      collect() {
        refresh();
        this.set(reading.pending);
      },
    });
    new Gauge({
      name: 'webhook_oldest_undelivered_age_seconds',
      help: 'Age of the oldest webhook delivery still waiting (as read at most a second before the scrape)',
      registers: [registry],
      collect() {
        this.set(reading.oldest_seconds);
      },
    });
  }

  count(outcome: DeliveryOutcome): void {
    this.outcomes.inc({ outcome });
  }
}
