import type { EventResponse } from './event.dto.js';

/** An events row as the reads select it (`sequence` and `txid` as text: bigint and xid8). */
export interface EventRow {
  sequence: string;
  txid: string;
  event_id: string;
  type: string;
  occurred_at: Date;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  org_id: string | null;
  workspace_id: string | null;
  target_type: string;
  target_id: string;
  data: Record<string, unknown> | null;
  changes: Record<string, [unknown, unknown]> | null;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
}

export const EVENT_COLUMNS = `e.sequence::text AS sequence, e.txid::text AS txid, e.event_id, e.type, e.occurred_at, e.actor_type, e.actor_id,
  e.org_id, e.workspace_id, e.target_type, e.target_id, e.data, e.changes, e.request_id, e.ip, e.user_agent`;

export function toEventResponse(row: EventRow): EventResponse {
  return {
    event_id: row.event_id,
    sequence: Number(row.sequence),
    type: row.type,
    occurred_at: row.occurred_at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id },
    org_id: row.org_id,
    workspace_id: row.workspace_id,
    target: { type: row.target_type, id: row.target_id },
    data: row.data,
    changes: row.changes,
    request_id: row.request_id,
    ip: row.ip,
    user_agent: row.user_agent,
  };
}

/**
 * The visibility horizon: the lowest transaction id that may still add events to this database.
 * It is the snapshot's oldest running transaction, leaving out those known to run in another
 * database of the same server (a transaction never changes database, so they can never write
 * here); a transaction not found any more, or not visible to this role, counts as one of ours.
 * With none running, the snapshot's xmax (the next id to be given out).
 */
export const VISIBLE_HORIZON = `(
  SELECT COALESCE(
    (SELECT min(x) FROM pg_snapshot_xip(s.snap) x
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                         WHERE a.backend_xid::text = (x::text::numeric % 4294967296)::text AND a.datname IS DISTINCT FROM current_database())),
    pg_snapshot_xmax(s.snap))
  FROM (SELECT pg_current_snapshot() AS snap) s)`;
