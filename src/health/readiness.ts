import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';

const TIMEOUT_MS = 1500;

/**
 * The readiness check's own database connection, outside the serving pool: when requests hold
 * every pooled connection the database is still up, and a probe queued behind them would take the
 * instance out of rotation for being busy. One connection, kept open between checks.
 */
@Injectable()
export class ReadinessProbe implements OnModuleDestroy {
  private readonly logger = new Logger('Readiness');
  private readonly pool: pg.Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: 1,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
      application_name: 'identity-service-readiness',
    });
    // A dropped idle connection is replaced on the next check; it must not end the process.
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'readiness connection lost'));
  }

  /** Milliseconds the database took to answer; throws when it did not within the timeout. */
  async ping(): Promise<number> {
    const started = Date.now();
    await this.pool.query('SELECT 1');
    return Date.now() - started;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
