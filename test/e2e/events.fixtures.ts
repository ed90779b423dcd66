import type { DataSource } from 'typeorm';

export interface StoredEvent {
  sequence: number;
  type: string;
  actor_type: string;
  actor_id: string | null;
  org_id: string | null;
  workspace_id: string | null;
  target_type: string;
  target_id: string;
  data: Record<string, any> | null;
  changes: Record<string, [unknown, unknown]> | null;
  request_id: string | null;
}

/** The last event's sequence: what `eventsAfter` counts from. */
export async function mark(db: DataSource): Promise<number> {
  const [{ last }] = await db.query(`SELECT COALESCE(max(sequence), 0)::int AS last FROM events`);
  return last;
}

/** Every event written after `mark`, in order. */
export async function eventsAfter(db: DataSource, after: number): Promise<StoredEvent[]> {
  return db.query(
    `SELECT sequence::int AS sequence, type, actor_type, actor_id, org_id, workspace_id, target_type, target_id, data, changes, request_id
       FROM events WHERE sequence > $1 ORDER BY sequence`,
    [after],
  );
}
