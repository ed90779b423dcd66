import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints (secrets encrypted at rest; the previous secret kept while a rotation overlaps),
 * one delivery per event and endpoint (unique, so a fan-out repeated after a crash adds nothing),
 * every attempt of each, and the position of the events already fanned out.
 */
export class Webhooks1764620000001 implements MigrationInterface {
  name = 'Webhooks1764620000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        webhook_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations (org_id) ON DELETE CASCADE,
        url text NOT NULL,
        event_types text[] NOT NULL,
        description text,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        secret_enc text NOT NULL,
        previous_secret_enc text,
        previous_secret_expires_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id, created_at, webhook_id)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        delivery_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhook_endpoints (webhook_id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        UNIQUE (webhook_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (created_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (finished_at) WHERE state <> 'pending'`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        attempt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (delivery_id) ON DELETE CASCADE,
        webhook_id uuid NOT NULL,
        attempted_at timestamptz NOT NULL,
        status_code integer,
        duration_ms integer NOT NULL,
        error text,
        next_attempt_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_attempts_webhook_idx ON webhook_attempts (webhook_id, attempt_id)`);
    await q.query(`CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id)`);
    await q.query(`CREATE TABLE webhook_dispatch (id integer PRIMARY KEY CHECK (id = 1), txid xid8 NOT NULL, sequence bigint NOT NULL)`);
    await q.query(`INSERT INTO webhook_dispatch (id, txid, sequence) VALUES (1, '0', 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['webhook_dispatch', 'webhook_attempts', 'webhook_deliveries', 'webhook_endpoints']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
