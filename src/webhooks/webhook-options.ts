import type { SecretBox } from './secret-box.js';

export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

export interface WebhookOptions {
  box: SecretBox;
  allowPrivate: boolean;
  retryScheduleMs: number[];
  timeoutMs: number;
  perEndpointConcurrency: number;
  /** Deliveries and attempts are kept this long after they finish (days). */
  retentionDays: number;
  /** How often each instance looks for new events to fan out. */
  dispatchEveryMs: number;
}

/** How long a rotated-out secret keeps signing next to the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export const DELIVERY_QUEUE = 'webhooks.deliver';
