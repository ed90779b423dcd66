import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reads of the events table, each flat however many events there are: the feeds walk
 * `(txid, sequence)` (all orgs, and per org), the audit log walks `sequence` backwards per org, by
 * type within an org, and by actor or target; retention walks the primary key from the oldest end.
 */
export class EventsFeedIndexes1764620000000 implements MigrationInterface {
  name = 'EventsFeedIndexes1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX events_feed_idx ON events (txid, sequence)`);
    await q.query(`CREATE INDEX events_org_feed_idx ON events (org_id, txid, sequence) WHERE org_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_org_sequence_idx ON events (org_id, sequence) WHERE org_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_org_type_idx ON events (org_id, type, sequence) WHERE org_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_actor_idx ON events (actor_id, sequence) WHERE actor_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_target_idx ON events (target_id, sequence)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ['events_feed_idx', 'events_org_feed_idx', 'events_org_sequence_idx', 'events_org_type_idx', 'events_actor_idx', 'events_target_idx']) {
      await q.query(`DROP INDEX IF EXISTS ${name}`);
    }
  }
}
