import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventRow } from '../events/feed/event-rows.js';
import { EVENT_COLUMNS, VISIBLE_HORIZON } from '../events/feed/event-rows.js';
import type { EndpointRow } from './webhooks.repository.js';

export interface NewDelivery {
  webhook_id: string;
  event_id: string;
  event_type: string;
  body: string;
}

/** A delivery with what sending it needs of its endpoint. */
export interface DeliveryToSend {
  delivery_id: string;
  event_id: string;
  body: string;
  state: 'pending' | 'succeeded' | 'failed';
  endpoint: Pick<EndpointRow, 'webhook_id' | 'org_id' | 'url' | 'enabled' | 'secret_enc' | 'previous_secret_enc' | 'previous_secret_expires_at'>;
}

export interface AttemptRecord {
  attempted_at: Date;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  next_attempt_at: Date | null;
}

export interface AttemptRow extends AttemptRecord {
  attempt_id: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  state: string;
}

/** Serialises the fan-out across instances without giving the reading transaction an id of its own. */
const DISPATCH_LOCK_KEY = 742_003;

/** The SQL of deliveries, their attempts and the fan-out position. */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether this transaction now holds the fan-out (another instance may hold it; then skip a turn). */
  async lockDispatch(m: EntityManager): Promise<boolean> {
    const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [DISPATCH_LOCK_KEY]);
    return locked;
  }

  /** The events past the fan-out position and below the visibility horizon, oldest first. */
  async eventsToDispatch(m: EntityManager, limit: number): Promise<EventRow[]> {
    return m.query(
      `SELECT ${EVENT_COLUMNS} FROM webhook_dispatch d, events e
        WHERE d.id = 1 AND (e.txid, e.sequence) > (d.txid, d.sequence) AND e.txid < ${VISIBLE_HORIZON}
        ORDER BY e.txid, e.sequence LIMIT $1`,
      [limit],
    );
  }

  async advance(m: EntityManager, txid: string, sequence: string): Promise<void> {
    await m.query(`UPDATE webhook_dispatch SET txid = $1::xid8, sequence = $2::bigint WHERE id = 1`, [txid, sequence]);
  }

  /** Inserts the deliveries not yet there (a repeated fan-out adds nothing); the new ids. */
  async insertMany(m: EntityManager, deliveries: NewDelivery[]): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows: { delivery_id: string }[] = await m.query(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
       ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING delivery_id`,
      [deliveries.map((d) => d.webhook_id), deliveries.map((d) => d.event_id), deliveries.map((d) => d.event_type), deliveries.map((d) => d.body)],
    );
    return rows.map((r) => r.delivery_id);
  }

  async findToSend(deliveryId: string): Promise<DeliveryToSend | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT d.delivery_id, d.event_id, d.body, d.state,
              json_build_object('webhook_id', w.webhook_id, 'org_id', w.org_id, 'url', w.url, 'enabled', w.enabled, 'secret_enc', w.secret_enc,
                'previous_secret_enc', CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret_enc END) AS endpoint
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.webhook_id = d.webhook_id WHERE d.delivery_id = $1`,
      [deliveryId],
    );
    return row;
  }

  /** Records an attempt and, when it settled the delivery, its final state. */
  async recordAttempt(deliveryId: string, webhookId: string, attempt: AttemptRecord, settled: 'succeeded' | 'failed' | null): Promise<void> {
    await this.dataSource.query(
      `WITH a AS (INSERT INTO webhook_attempts (delivery_id, webhook_id, attempted_at, status_code, duration_ms, error, next_attempt_at)
                  VALUES ($1, $2, $3, $4, $5, $6, $7))
       UPDATE webhook_deliveries SET attempts = attempts + 1, state = COALESCE($8, state), finished_at = CASE WHEN $8 IS NULL THEN NULL ELSE now() END
        WHERE delivery_id = $1`,
      [deliveryId, webhookId, attempt.attempted_at, attempt.status_code, attempt.duration_ms, attempt.error, attempt.next_attempt_at, settled],
    );
  }

  /** Gives a pending delivery up without an attempt (its endpoint was disabled meanwhile). */
  async abandon(deliveryId: string): Promise<void> {
    await this.dataSource.query(`UPDATE webhook_deliveries SET state = 'failed', finished_at = now() WHERE delivery_id = $1 AND state = 'pending'`, [deliveryId]);
  }

  /** A page of the endpoint's attempts, newest first, before `beforeId`. */
  async attempts(webhookId: string, beforeId: string | undefined, limit: number): Promise<AttemptRow[]> {
    return this.dataSource.query(
      `SELECT a.attempt_id::text AS attempt_id, a.delivery_id, d.event_id, d.event_type, d.state, a.attempted_at, a.status_code, a.duration_ms, a.error, a.next_attempt_at
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.delivery_id = a.delivery_id
        WHERE a.webhook_id = $1 AND ($2::bigint IS NULL OR a.attempt_id < $2::bigint)
        ORDER BY a.attempt_id DESC LIMIT $3`,
      [webhookId, beforeId ?? null, limit + 1],
    );
  }

  /** Deliveries waiting, and how long the oldest has waited (seconds). */
  async backlog(): Promise<{ pending: number; oldest_seconds: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS pending, COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
         FROM webhook_deliveries WHERE state = 'pending'`,
    );
    return row;
  }

  /** Deletes up to `batch` finished deliveries older than `cutoff`; how many. */
  async purgeFinished(cutoff: Date, batch: number): Promise<number> {
    const [, count] = await this.dataSource.query(
      `DELETE FROM webhook_deliveries WHERE delivery_id IN (
         SELECT delivery_id FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < $1 LIMIT $2)`,
      [cutoff, batch],
    );
    return Number(count);
  }
}
