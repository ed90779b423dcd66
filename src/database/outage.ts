import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { Counter } from 'prom-client';
import { describeCause as described, unavailableCause, type RefusalReporter, type UnavailableCause } from '../common/errors/database-errors.js';

interface Down {
  since: number;
  refused: number;
  /** Refused since the last summary (or since the outage began). */
  recent: number;
  summarisedAt: number;
  last: UnavailableCause;
  /** Whether a refused request's own line was written since the last summary. */
  sampled: boolean;
}

const ACQUIRED_AT = Symbol('acquiredAt');
/**
 * A connection whose server end was just terminated still looks healthy for a moment after its
 * query failed (pg reads the error before the socket closes), so only a connection taken this long
 * after the outage began vouches for the database when it comes back without error.
 */
const RELEASE_GRACE_MS = 1_000;
type TrackedClient = PoolClient & { [ACQUIRED_AT]?: number; _queryable?: boolean; _ending?: boolean; _ended?: boolean };

/**
 * Follows the database's availability so that an outage is told in a few lines, whatever the load:
 * one line when it becomes unavailable, a summary at most every `summaryMs`, one line when it
 * serves again. Refused requests are counted (by cause, also as a Prometheus counter); their own
 * log lines are sampled, one per summary interval.
 */
export class DatabaseOutage implements RefusalReporter {
  readonly refusedRequests = new Counter({
    name: 'db_refused_requests_total',
    help: 'Requests answered 503 because the database could not serve them, by cause',
    labelNames: ['cause'] as const,
    registers: [],
  });
  private readonly logger = new Logger('Database');
  private down?: Down;
  private stopping = false;
  private lostLoggedAt = -Infinity;
  private recoveredAt = -Infinity;

  constructor(
    private readonly summaryMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get isDown(): boolean {
    return this.down !== undefined;
  }

  /**
   * A request answered 503 for `cause`. Returns whether its request line is worth writing: once per
   * summary interval during an outage; always for a slow query or a full pool outside one.
   */
  refused(cause: UnavailableCause): boolean {
    this.refusedRequests.inc({ cause: cause.cause });
    if (!cause.outage && !this.down) return true;
    if (this.straggler()) return false;
    const down = this.noteUnavailable(cause);
    down.refused++;
    down.recent++;
    this.summariseIfDue(down);
    const sample = !down.sampled;
    down.sampled = true;
    return sample;
  }

  /**
   * A pooled connection failed outside any request. During an outage that is part of it; otherwise
   * the server may have dropped just that one (the pool replaces it): a warning, once an interval.
   */
  readonly connectionLost = (error: Error): void => {
    if (this.stopping) return; // our own shutdown ends them
    const cause = unavailableCause(error) ?? { cause: 'connection_error', message: error.message, outage: true };
    if (this.down) return this.summariseIfDue(this.noteUnavailable(cause));
    if (this.straggler()) return;
    const now = this.now();
    if (now - this.lostLoggedAt < this.summaryMs) return;
    this.lostLoggedAt = now;
    this.logger.warn({ error: described(cause) }, 'database connection lost');
  };

  /** From now on, connections that end are the service's own doing: nothing to report. */
  shuttingDown(): void {
    this.stopping = true;
  }

  /**
   * Listens to the pool: a new connection, or one handed out well after the outage began and given
   * back healthy, means the database serves again. Lost connections report here too.
   */
  watch(pool: Pool & { _clients?: PoolClient[] }): void {
    pool._clients?.forEach((client) => client.on('error', this.connectionLost));
    pool.on('connect', (client) => {
      client.on('error', this.connectionLost);
      this.available();
    });
    pool.on('acquire', (client) => ((client as TrackedClient)[ACQUIRED_AT] = this.now()));
    pool.on('release', (error: Error | undefined, client: PoolClient) => {
      const c = client as TrackedClient;
      const healthy = !error && c._queryable !== false && !c._ending && !c._ended;
      if (healthy && this.down && (c[ACQUIRED_AT] ?? 0) >= this.down.since + RELEASE_GRACE_MS) this.available();
    });
  }

  /**
   * Just after the database serves again, a request may still fail on a pooled connection that the
   * outage killed and the pool has not yet noticed: that is the old outage's tail, not a new one.
   */
  private straggler(): boolean {
    return !this.down && this.now() - this.recoveredAt < RELEASE_GRACE_MS;
  }

  private noteUnavailable(cause: UnavailableCause): Down {
    if (!this.down) {
      const now = this.now();
      this.down = { since: now, refused: 0, recent: 0, summarisedAt: now, last: cause, sampled: false };
      this.logger.error({ error: described(cause) }, 'database unavailable');
    }
    this.down.last = cause;
    return this.down;
  }

  private summariseIfDue(down: Down): void {
    const now = this.now();
    if (now - down.summarisedAt < this.summaryMs) return;
    const fields = { down_seconds: seconds(now - down.since), refused: down.recent, refused_total: down.refused, last_error: described(down.last) };
    this.logger.warn(fields, 'database still unavailable');
    Object.assign(down, { summarisedAt: now, recent: 0, sampled: false });
  }

  private available(): void {
    const down = this.down;
    if (!down) return;
    this.down = undefined;
    this.recoveredAt = this.now();
    const after = seconds(this.now() - down.since);
    // At warn, not info: whoever saw the outage begin at LOG_LEVEL=warn must see it end.
    this.logger.warn({ down_seconds: after, refused: down.refused }, `database available again after ${after} s (${down.refused} requests refused)`);
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);
