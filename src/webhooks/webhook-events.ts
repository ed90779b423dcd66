import { fieldChanges } from '../events/changes.js';
import type { NewEvent } from '../events/event-types.js';
import type { WebhookResponse } from './webhook.dto.js';
import type { EndpointRow } from './webhooks.repository.js';
import { versionETag, withETag } from '../common/http/conditional/etag.js';

export function toWebhookResponse(row: EndpointRow): WebhookResponse {
  return {
    webhook_id: row.webhook_id,
    org_id: row.org_id,
    url: row.url,
    event_types: row.event_types,
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const target = (id: string) => ({ type: 'webhook_endpoint', id });

export function endpointCreated(row: EndpointRow): NewEvent {
  return { type: 'webhook_endpoint.created', orgId: row.org_id, target: target(row.webhook_id), data: { ...toWebhookResponse(row) } };
}

/** An update's event; a rotation shows as a masked change of `secret`. Null when nothing changed. */
export function endpointUpdated(before: EndpointRow, after: EndpointRow): NewEvent | null {
  const data = { ...toWebhookResponse(after) };
  const changes = fieldChanges({ ...toWebhookResponse(before) }, data) ?? {};
  if (before.secret_enc !== after.secret_enc) changes.secret = ['**********', '**********'];
  if (Object.keys(changes).length === 0) return null;
  return { type: 'webhook_endpoint.updated', orgId: after.org_id, target: target(after.webhook_id), data, changes };
}

export function endpointDeleted(row: EndpointRow): NewEvent {
  return { type: 'webhook_endpoint.deleted', orgId: row.org_id, target: target(row.webhook_id), data: null };
}

/** One endpoint with its tag (its row's version), for a response about it alone. */
export function webhookResource<T extends object>(row: EndpointRow, body: T): T {
  return withETag(body, versionETag(row.version));
}
