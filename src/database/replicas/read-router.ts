import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { EntityManager, type DataSource } from 'typeorm';
import { pgPool } from '../pg-pool.js';
import { parseLsn } from './lsn.js';
import { PrimaryHistory } from './primary-history.js';
import { Replica, type ReplicaReport } from './replica.js';
import { MemoryWriteMarks, type WriteMarks } from './write-marks.js';

export interface ReadRouterSettings {
  urls: string[];
  maxLagMs: number;
  pollMs: number;
  poolSize: number;
}

/**
 * Where reads go. Without replicas, always the primary, at no cost. With them, a read by a
 * principal goes to a replica that is up, at most `maxLagMs` behind, and has replayed that
 * principal's last write (its mark, shared through Redis); otherwise to the primary. A read a
 * replica fails (stopped mid-query, conflict with recovery) runs again on the primary, so a
 * replica's trouble never reaches a client. Writes, transactions and background jobs use the
 * primary's `DataSource` directly and never pass through here.
 */
export class ReadRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReadRouter');
  readonly replicas: Replica[];
  private readonly history: PrimaryHistory;
  private timer?: NodeJS.Timeout;
  private next = 0;
  /** Registered by the metrics module; not on any registry by themselves. */
  readonly reads = new Counter({ name: 'db_reads_total', help: 'Routed reads by target (primary or a replica)', labelNames: ['target'] as const, registers: [] });
  readonly lag = new Gauge({ name: 'db_replica_lag_seconds', help: 'How far each replica is behind the primary (-1 while down)', labelNames: ['replica'] as const, registers: [] });

  constructor(
    private readonly primary: DataSource,
    private readonly marks: WriteMarks,
    private readonly settings: ReadRouterSettings,
  ) {
    this.replicas = settings.urls.map((url, i) => new Replica(`replica_${i + 1}`, url, settings.poolSize));
    this.history = new PrimaryHistory(settings.maxLagMs * 2 + settings.pollMs * 10);
  }

  /** Every read on the primary: for a module used without the DatabaseModule that provides the real one. */
  static primaryOnly(primary: DataSource): ReadRouter {
    return new ReadRouter(primary, new MemoryWriteMarks(0), { urls: [], maxLagMs: 0, pollMs: 1000, poolSize: 1 });
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.settings.pollMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.replicas.map((r) => r.close()));
    await this.marks.close();
  }

  /** An EntityManager for a principal's reads (raw `query` only): a replica's, or the primary's. */
  async manager(principal: string | undefined): Promise<EntityManager> {
    if (!this.enabled) return this.primary.manager;
    const replica = await this.pick(principal);
    return replica ? new ReplicaManager(this.primary, replica, this) : this.primary.manager;
  }

  /** One read on the pg pool itself (no query runner), for the lookup every request makes. */
  async query<R extends object>(principal: string | undefined, sql: string, params: unknown[]): Promise<R[]> {
    if (!this.enabled) return (await this.primaryPool().query<R>(sql, params)).rows;
    const replica = await this.pick(principal);
    if (!replica) return (await this.primaryPool().query<R>(sql, params)).rows;
    try {
      return (await replica.pool.query<R>(sql, params)).rows;
    } catch (error) {
      this.failedOn(replica, error);
      return (await this.primaryPool().query<R>(sql, params)).rows;
    }
  }

  /** The same read on the primary, for a result a replica may not have yet (a session just opened). */
  async onPrimary<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    return (await this.primaryPool().query<R>(sql, params)).rows;
  }

  /** After a principal's write committed: its next reads, on any instance, see at least this much. */
  async recordWrite(principal: string): Promise<void> {
    const { rows } = await this.primaryPool().query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
    const lsn = parseLsn(rows[0]?.lsn);
    if (lsn !== undefined) await this.marks.raise(principal, lsn);
  }

  markFailed(error: unknown): void {
    this.logger.warn({ err: error }, 'a write mark could not be stored; the caller may read from a replica that lacks the write');
  }

  /** Each replica's state, for `/health/ready`. */
  report(): Record<string, ReplicaReport> {
    return Object.fromEntries(this.replicas.map((r) => [r.name, r.report(this.settings.maxLagMs)]));
  }

  failedOn(replica: Replica, error: unknown): void {
    this.logger.warn({ err: error, replica: replica.name }, 'a read failed on a replica; read again on the primary');
    this.reads.inc({ target: 'primary' });
    if (isConnectionError(error)) replica.markDown();
  }

  private async pick(principal: string | undefined): Promise<Replica | undefined> {
    const mark = principal === undefined ? null : await this.marks.get(principal);
    // A mark that could not be read (Redis away) could be anything: the primary is always right.
    const usable = mark === undefined ? [] : this.replicas.filter((r) => r.serves(mark, this.settings.maxLagMs));
    const replica = usable.length ? usable[this.next++ % usable.length] : undefined;
    this.reads.inc({ target: replica?.name ?? 'primary' });
    return replica;
  }

  private primaryPool(): Pool {
    return pgPool(this.primary)!;
  }

  private async poll(): Promise<void> {
    try {
      const { rows } = await this.primaryPool().query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
      const lsn = parseLsn(rows[0]?.lsn);
      if (lsn !== undefined) this.history.add(lsn);
    } catch {
      // The primary is away: the requests report that; lag is measured again once it answers.
    }
    await Promise.all(this.replicas.map((r) => this.checkReplica(r)));
  }

  private async checkReplica(replica: Replica): Promise<void> {
    try {
      const replayed = await replica.check();
      if (replayed === undefined) throw new Error('not a standby');
      replica.replayed = replayed;
      replica.lagMs = this.history.lagOf(replayed);
      replica.reachable = replica.lagMs !== null;
    } catch {
      replica.markDown();
    }
    this.lag.set({ replica: replica.name }, replica.lagMs === null ? -1 : replica.lagMs / 1000);
  }
}

/**
 * A replica's reads through the EntityManager interface the repositories take: `query` runs on
 * the replica, and again on the primary when the replica fails it.
 */
class ReplicaManager extends EntityManager {
  constructor(
    primary: DataSource,
    private readonly replica: Replica,
    private readonly router: ReadRouter,
  ) {
    super(primary);
  }

  override async query<T = any>(sql: string, parameters?: any[]): Promise<T> {
    try {
      return (await this.replica.pool.query(sql, parameters)).rows as T;
    } catch (error) {
      this.router.failedOn(this.replica, error);
      return this.connection.manager.query<T>(sql, parameters);
    }
  }
}

/** No SQLSTATE (a socket error, a timeout), or class 08 (connection) / 57P (shutdown). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57P');
}
