import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface EndpointRow {
  webhook_id: string;
  org_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface EndpointFields {
  url?: string;
  event_types?: string[];
  description?: string | null;
  enabled?: boolean;
}

export type Subscription = Pick<EndpointRow, 'webhook_id' | 'org_id' | 'event_types' | 'created_at'>;

const ENDPOINT_COLUMNS = `w.webhook_id, w.org_id, w.url, w.event_types, w.description, w.enabled, w.disabled_reason, w.secret_enc,
  w.previous_secret_enc, w.previous_secret_expires_at, w.version, w.created_at, w.updated_at`;

/** The SQL of `webhook_endpoints`. Each method runs on the manager it is given. */
@Injectable()
export class WebhooksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, orgId: string, fields: Required<Omit<EndpointFields, 'enabled'>>, secretEnc: string): Promise<EndpointRow> {
    const [row] = await m.query(
      `INSERT INTO webhook_endpoints AS w (org_id, url, event_types, description, secret_enc) VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [orgId, fields.url, fields.event_types, fields.description, secretEnc],
    );
    return row;
  }

  async list(orgId: string, limit: number): Promise<EndpointRow[]> {
    return this.dataSource.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w WHERE w.org_id = $1 ORDER BY w.created_at, w.webhook_id LIMIT $2`, [orgId, limit]);
  }

  /** The endpoint of the org; with `lock`, its row stays locked until commit. */
  async find(m: EntityManager, orgId: string, webhookId: string, lock = false): Promise<EndpointRow | undefined> {
    const [row] = await m.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w WHERE w.webhook_id = $1 AND w.org_id = $2${lock ? ' FOR UPDATE' : ''}`, [
      webhookId,
      orgId,
    ]);
    return row;
  }

  /** Absent fields unchanged; enabling again clears the reason it was disabled. */
  async update(m: EntityManager, webhookId: string, fields: EndpointFields): Promise<EndpointRow> {
    const [[row]] = await m.query(
      `UPDATE webhook_endpoints w SET url = COALESCE($2, w.url), event_types = COALESCE($3, w.event_types),
         description = CASE WHEN $4 THEN $5 ELSE w.description END, enabled = COALESCE($6, w.enabled),
         disabled_reason = CASE WHEN $6 THEN NULL ELSE w.disabled_reason END,
         version = w.version + 1, updated_at = now()
       WHERE w.webhook_id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [webhookId, fields.url ?? null, fields.event_types ?? null, fields.description !== undefined, fields.description ?? null, fields.enabled ?? null],
    );
    return row;
  }

  /** The new secret signs from now on; the old one keeps signing alongside it until `overlapMs` has passed. */
  async rotate(m: EntityManager, webhookId: string, secretEnc: string, overlapMs: number): Promise<EndpointRow> {
    const [[row]] = await m.query(
      `UPDATE webhook_endpoints w SET previous_secret_enc = w.secret_enc, secret_enc = $2,
         previous_secret_expires_at = now() + make_interval(secs => $3::float8 / 1000), version = w.version + 1, updated_at = now()
       WHERE w.webhook_id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [webhookId, secretEnc, overlapMs],
    );
    return row;
  }

  async delete(m: EntityManager, webhookId: string): Promise<void> {
    await m.query(`DELETE FROM webhook_endpoints WHERE webhook_id = $1`, [webhookId]);
  }

  /** Stops deliveries to the endpoint (a receiver that answered 410 Gone); false when it already was disabled. */
  async disable(m: EntityManager, webhookId: string, reason: string): Promise<EndpointRow | undefined> {
    const [rows] = await m.query(
      `UPDATE webhook_endpoints w SET enabled = false, disabled_reason = $2, version = w.version + 1, updated_at = now()
       WHERE w.webhook_id = $1 AND w.enabled RETURNING ${ENDPOINT_COLUMNS}`,
      [webhookId, reason],
    );
    return rows[0];
  }

  /** The enabled endpoints of these orgs (what a page of events fans out to). */
  async subscribed(m: EntityManager, orgIds: string[]): Promise<Subscription[]> {
    if (orgIds.length === 0) return [];
    return m.query(`SELECT webhook_id, org_id, event_types, created_at FROM webhook_endpoints WHERE enabled AND org_id = ANY($1::uuid[])`, [orgIds]);
  }
}
