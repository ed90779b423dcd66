import { Module, type DynamicModule } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { REFUSAL_REPORTER } from '../common/errors/database-errors.js';
import { dataSourceOptions, type DatabaseSettings } from './data-source.options.js';
import { migrateDatabase } from './migrate.js';
import { DatabaseOutage } from './outage.js';
import { pgPool } from './pg-pool.js';
import { ReadRouter } from './replicas/read-router.js';
import { MemoryWriteMarks, RedisWriteMarks } from './replicas/write-marks.js';

export interface DatabaseModuleSettings extends DatabaseSettings {
  /** How often, at most, an ongoing outage is summed up in the log. */
  outageSummarySeconds?: number;
  /** A direct connection for migrations when `url` is a pooler in transaction mode. */
  migrationUrl?: string;
  /** Streaming replicas for reads; none by default. */
  replicas?: { urls: string[]; maxLagMs: number; pollMs: number };
  /** Where the principals' write marks are shared between instances; in memory when unset. */
  redisUrl?: string;
}

/**
 * The TypeORM connection; pending migrations are applied before the application serves.
 * `DatabaseOutage` (global) follows the pool's availability for the error filter and the logs.
 */
@Module({})
export class DatabaseModule {
  static forRoot(settings: DatabaseModuleSettings): DynamicModule {
    const outage = new DatabaseOutage((settings.outageSummarySeconds ?? 10) * 1000);
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(settings),
            autoLoadEntities: true,
            retryAttempts: 5,
            retryDelay: 1000,
            // An idle connection dropped by the server (restart, outage): the pool replaces it,
            // requests meanwhile answer 503, and the outage is told once, not per connection.
            poolErrorHandler: outage.connectionLost,
          }),
          dataSourceFactory: async (options) => {
            await migrateDatabase(settings);
            const dataSource = await new DataSource(options!).initialize();
            // The pool only listens for errors on idle connections; a connection checked out (say,
            // between two statements of a transaction) that the server drops would emit an
            // unhandled 'error' and end the process. Every connection gets a listener.
            const pool = pgPool(dataSource);
            if (pool) outage.watch(pool);
            return dataSource;
          },
        }),
      ],
      providers: [
        { provide: DatabaseOutage, useValue: outage },
        { provide: REFUSAL_REPORTER, useValue: outage },
        { provide: ReadRouter, inject: [getDataSourceToken()], useFactory: (dataSource: DataSource) => readRouter(dataSource, settings) },
      ],
      exports: [DatabaseOutage, REFUSAL_REPORTER, ReadRouter],
    };
  }
}

function readRouter(dataSource: DataSource, settings: DatabaseModuleSettings): ReadRouter {
  const replicas = settings.replicas ?? { urls: [], maxLagMs: 0, pollMs: 1000 };
  // A mark outlives the time any usable replica can be behind it, with room for a late check.
  const ttlMs = replicas.maxLagMs + replicas.pollMs * 5 + 10_000;
  const marks = settings.redisUrl && replicas.urls.length ? new RedisWriteMarks(settings.redisUrl, ttlMs) : new MemoryWriteMarks(ttlMs);
  return new ReadRouter(dataSource, marks, { ...replicas, poolSize: settings.poolSize ?? 10 });
}
