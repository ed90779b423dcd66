import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one delivery: `webhook-signature` carries one `v1,` signature per
 * secret that signs (two while a rotation overlaps), space-separated, as the standard specifies.
 */
export function signedHeaders(eventId: string, body: string, secrets: string[], now = new Date()): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(eventId, now, body));
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
