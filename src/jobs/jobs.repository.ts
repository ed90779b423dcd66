import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface ClaimedJob {
  job_id: string;
  payload: unknown;
  attempts: number;
}

/**
 * The jobs table's SQL. A claimed job's `run_at` moves to the end of its lease, so a job whose
 * instance died becomes due again by itself; every statement stands alone (no session state), so
 * the queue works through a transaction-pooling proxy. A statement that returns rows is wrapped in a
 * `WITH`, since TypeORM answers a bare `UPDATE … RETURNING` with `[rows, count]`.
 */
@Injectable()
export class JobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, queue: string, payload: unknown, delayMs: number): Promise<void> {
    await m.query(`INSERT INTO jobs (queue, payload, run_at) VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000))`, [queue, payload, delayMs]);
  }

  async insertMany(m: EntityManager, queue: string, payloads: unknown[]): Promise<void> {
    await m.query(`INSERT INTO jobs (queue, payload) SELECT $1, p FROM unnest($2::jsonb[]) p`, [queue, payloads.map((p) => JSON.stringify(p))]);
  }

  async claim(queue: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    return this.dataSource.query(
      `WITH claimed AS (UPDATE jobs j SET run_at = now() + make_interval(secs => $3::float8 / 1000), attempts = j.attempts + 1
       FROM (SELECT job_id FROM jobs WHERE queue = $1 AND state = 'pending' AND run_at <= now()
             ORDER BY run_at, job_id LIMIT $2 FOR UPDATE SKIP LOCKED) due
       WHERE j.job_id = due.job_id
       RETURNING j.job_id, j.payload, j.attempts)
       SELECT * FROM claimed`,
      [queue, limit, leaseMs],
    );
  }

  async complete(jobId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM jobs WHERE job_id = $1`, [jobId]);
  }

  async retryLater(jobId: string, delayMs: number, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET run_at = now() + make_interval(secs => $2::float8 / 1000), last_error = $3 WHERE job_id = $1`, [jobId, delayMs, error]);
  }

  /** Due again after `delayMs`, its claim not counted as an attempt. */
  async defer(jobId: string, delayMs: number): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET run_at = now() + make_interval(secs => $2::float8 / 1000), attempts = attempts - 1 WHERE job_id = $1`, [jobId, delayMs]);
  }

  async fail(jobId: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET state = 'failed', last_error = $2 WHERE job_id = $1`, [jobId, error]);
  }

  /** True for exactly one caller per interval, whichever instance asks first. */
  async takeTurn(name: string, intervalMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH turn AS (INSERT INTO job_schedules AS s (name, next_run_at) VALUES ($1, now() + make_interval(secs => $2::float8 / 1000))
       ON CONFLICT (name) DO UPDATE SET next_run_at = EXCLUDED.next_run_at WHERE s.next_run_at <= now()
       RETURNING name)
       SELECT * FROM turn`,
      [name, intervalMs],
    );
    return rows.length > 0;
  }
}
