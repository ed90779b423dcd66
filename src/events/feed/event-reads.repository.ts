import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EVENT_COLUMNS, VISIBLE_HORIZON, type EventRow } from './event-rows.js';

/** A feed position: events after it are those with a greater `(txid, sequence)`. */
export interface FeedPosition {
  txid: string;
  sequence: string;
}

export interface FeedRequest {
  /** One org's events; undefined for every event. */
  orgId?: string;
  after: FeedPosition;
  types?: string[];
  limit: number;
}

export interface AuditRequest {
  orgId?: string;
  actorId?: string;
  type?: string;
  targetId?: string;
  from?: string;
  to?: string;
  /** Events older than this sequence (the previous page's last). */
  before?: string;
  limit: number;
}

/**
 * Reads of the events table: the feed (oldest first, up to the visibility horizon), the audit log
 * (newest first), and the retention purge.
 *
 * Why the feed pages by `(txid, sequence)` under `txid <` the horizon (`VISIBLE_HORIZON`: the
 * snapshot's oldest running transaction of this database, `pg_snapshot_xmin` narrowed to it):
 * `sequence` is taken when the row is inserted, not when its transaction commits, so a transaction
 * can commit an event with a lower sequence after a reader has already passed a higher one. Every
 * transaction id below the snapshot's xmin belongs to a transaction that has finished (committed or
 * rolled back), and every transaction that starts later gets a larger id; so the set of events below
 * the horizon is final, and any event that becomes visible later has `txid >= ` the horizon a reader
 * saw, which sorts after every position that reader was handed. Paging by `sequence` alone under
 * the same horizon would not be enough: a transaction that obtained its id early may insert its
 * event (and take its sequence) after a younger transaction did. Within one transaction, events
 * keep their `sequence` order. The price: a long-running transaction in this database holds the
 * horizon back, and the feed waits for it rather than skip.
 */
@Injectable()
export class EventReadsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A page of `limit + 1` events past `after`, and the horizon the page was read under. */
  async feed(request: FeedRequest): Promise<{ rows: EventRow[]; horizon: string }> {
    const params: unknown[] = [request.after.txid, request.after.sequence];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const org = request.orgId ? `e.org_id = ${bind(request.orgId)} AND` : '';
    const types = request.types ? `AND e.type = ANY(${bind(request.types)}::text[])` : '';
    const rows: (EventRow & { horizon: string })[] = await this.dataSource.query(
      `WITH h AS (SELECT ${VISIBLE_HORIZON} AS xmin)
       SELECT h.xmin::text AS horizon, page.* FROM h LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM events e
          WHERE ${org} (e.txid, e.sequence) > ($1::xid8, $2::bigint) AND e.txid < h.xmin ${types}
          ORDER BY e.txid, e.sequence LIMIT ${bind(request.limit + 1)}) page ON true`,
      params,
    );
    const horizon = rows[0].horizon;
    return { rows: rows[0].event_id === null ? [] : rows, horizon };
  }

  /** A page of `limit + 1` events, newest first, matching every filter given. */
  async audit(request: AuditRequest): Promise<EventRow[]> {
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const where = [
      request.orgId && `e.org_id = ${bind(request.orgId)}`,
      request.actorId && `e.actor_id = ${bind(request.actorId)}::uuid`,
      request.type && `e.type = ${bind(request.type)}`,
      request.targetId && `e.target_id = ${bind(request.targetId)}`,
      request.from && `e.occurred_at >= ${bind(request.from)}::timestamptz`,
      request.to && `e.occurred_at < ${bind(request.to)}::timestamptz`,
      request.before && `e.sequence < ${bind(request.before)}::bigint`,
    ].filter(Boolean);
    return this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM events e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY e.sequence DESC LIMIT ${bind(request.limit + 1)}`,
      params,
    );
  }

  /**
   * Deletes up to `batch` of the oldest events written before `cutoff`; how many. Walks the primary
   * key from its oldest end: events are written in roughly time order, so the old ones come first.
   */
  async purgeBefore(cutoff: Date, batch: number): Promise<number> {
    const [, count] = await this.dataSource.query(
      `DELETE FROM events WHERE sequence IN (SELECT sequence FROM events ORDER BY sequence LIMIT $2) AND occurred_at < $1`,
      [cutoff, batch],
    );
    return Number(count);
  }
}
