import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { EventsModule } from '../events/events.module.js';
import { HealthModule } from '../health/health.module.js';
import { Metrics } from '../health/metrics.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { SecretBox } from './secret-box.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-options.js';
import { WebhookWorker } from './webhook-worker.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

export interface WebhooksModuleOptions extends Omit<WebhookOptions, 'box' | 'dispatchEveryMs'> {
  /** AES-256-GCM key sealing the signing secrets (32 bytes, base64 or hex). */
  secretKey: string;
  dispatchEveryMs?: number;
}

/** Webhook endpoints, the fan-out of events to them, signed deliveries with retries, their log and metrics. */
@Module({})
export class WebhooksModule {
  static forRoot(options: WebhooksModuleOptions): DynamicModule {
    const { secretKey, ...rest } = options;
    const resolved: WebhookOptions = { ...rest, box: new SecretBox(secretKey), dispatchEveryMs: options.dispatchEveryMs ?? 1_000 };
    return {
      module: WebhooksModule,
      imports: [AccessModule, EventsModule, HealthModule],
      controllers: [WebhooksController],
      providers: [
        { provide: WEBHOOK_OPTIONS, useValue: resolved },
        {
          provide: WebhookMetrics,
          inject: [Metrics, DeliveriesRepository],
          useFactory: (metrics: Metrics, deliveries: DeliveriesRepository) => new WebhookMetrics(metrics.registry, () => deliveries.backlog()),
        },
        WebhooksRepository,
        DeliveriesRepository,
        WebhooksService,
        WebhookDeliveriesService,
        WebhookDispatcher,
        WebhookWorker,
      ],
      exports: [WebhookDispatcher, WebhooksService],
    };
  }
}
