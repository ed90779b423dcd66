import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox of events (append-only; no foreign keys, so the record outlives what it describes)
 * and the background queue with its periodic schedules.
 */
export class EventsAndJobs1764600000000 implements MigrationInterface {
  name = 'EventsAndJobs1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        type text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_type text NOT NULL,
        actor_id uuid,
        org_id uuid,
        workspace_id uuid,
        target_type text NOT NULL,
        target_id text NOT NULL,
        data jsonb,
        changes jsonb,
        request_id text,
        ip text,
        user_agent text
      )`);
    await q.query(`
      CREATE TABLE jobs (
        job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
        run_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX jobs_due_idx ON jobs (queue, run_at) WHERE state = 'pending'`);
    await q.query(`CREATE TABLE job_schedules (name text PRIMARY KEY, next_run_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS job_schedules`);
    await q.query(`DROP TABLE IF EXISTS jobs`);
    await q.query(`DROP TABLE IF EXISTS events`);
  }
}
