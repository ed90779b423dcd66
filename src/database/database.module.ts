import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { REFUSAL_REPORTER } from '../common/errors/database-errors.js';
import { dataSourceOptions, type DatabaseSettings } from './data-source.options.js';
import { migrateDatabase } from './migrate.js';
import { DatabaseOutage } from './outage.js';
import { pgPool } from './pg-pool.js';

export interface DatabaseModuleSettings extends DatabaseSettings {
  /** How often, at most, an ongoing outage is summed up in the log. */
  outageSummarySeconds?: number;
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
      ],
      exports: [DatabaseOutage, REFUSAL_REPORTER],
    };
  }
}
