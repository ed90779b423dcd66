import pg from 'pg';
import { parseLsn } from './lsn.js';

export type ReplicaState = 'up' | 'lagging' | 'down';

/**
 * What `/health/ready` says of one replica: `degraded` when it is skipped (its reads go to the
 * primary, so the instance still serves), with the reason in `state`.
 */
export interface ReplicaReport {
  status: 'up' | 'degraded';
  state: ReplicaState;
  /** How far behind the primary it was at the last check; null while it is down. */
  lag_ms: number | null;
}

/**
 * One streaming replica: its own small pool, and what the last check found (the WAL position it
 * has replayed, how far behind it is). Reads go straight to its pg pool; nothing here is shared
 * with the primary's TypeORM connection.
 */
export class Replica {
  readonly pool: pg.Pool;
  replayed: bigint = -1n;
  lagMs: number | null = null;
  reachable = false;

  constructor(
    readonly name: string,
    url: string,
    poolSize: number,
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: 1000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
      application_name: 'identity-service',
    });
    // An idle connection the replica drops (restart, stop) is replaced later; it must not end the process.
    this.pool.on('error', () => this.markDown());
  }

  /** Reads the replayed position; a replica that does not answer, or is no standby, is down. */
  async check(): Promise<bigint | undefined> {
    const { rows } = await this.pool.query<{ lsn: string | null }>(`SELECT pg_last_wal_replay_lsn()::text AS lsn`);
    return parseLsn(rows[0]?.lsn);
  }

  markDown(): void {
    this.reachable = false;
    this.lagMs = null;
  }

  /** Usable for a read that needs the WAL up to `mark` (null: any position), within `maxLagMs`. */
  serves(mark: bigint | null, maxLagMs: number): boolean {
    return this.reachable && this.lagMs !== null && this.lagMs <= maxLagMs && (mark === null || this.replayed >= mark);
  }

  report(maxLagMs: number): ReplicaReport {
    if (!this.reachable || this.lagMs === null) return { status: 'degraded', state: 'down', lag_ms: null };
    if (this.lagMs > maxLagMs) return { status: 'degraded', state: 'lagging', lag_ms: this.lagMs };
    return { status: 'up', state: 'up', lag_ms: this.lagMs };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

