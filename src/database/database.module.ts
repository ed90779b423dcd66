import type { EventEmitter } from 'node:events';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source.options.js';
import { migrateDatabase } from './migrate.js';
import { pgPool } from './pg-pool.js';

const logger = new Logger('Database');

const connectionLost = (error: Error) => logger.warn({ err: error }, 'database connection lost');

/**
 * The pool only listens for errors on idle connections; a connection checked out (say, between
 * two statements of a transaction) that the server drops would emit an unhandled 'error' and end
 * the process. Every connection gets its own listener; the request in flight answers 503.
 */
function watchClientErrors(dataSource: DataSource): DataSource {
  const pool = pgPool(dataSource) as (Pool & { _clients?: EventEmitter[] }) | undefined;
  pool?._clients?.forEach((client) => client.on('error', connectionLost));
  pool?.on('connect', (client) => client.on('error', connectionLost));
  return dataSource;
}

/** The TypeORM connection; pending migrations are applied before the application serves. */
@Module({})
export class DatabaseModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(settings),
            autoLoadEntities: true,
            retryAttempts: 5,
            retryDelay: 1000,
            // An idle connection dropped by the server (restart, outage) is only worth a warning:
            // the pool replaces it, and requests meanwhile answer 503.
            poolErrorHandler: connectionLost,
          }),
          dataSourceFactory: async (options) => {
            await migrateDatabase(settings);
            return watchClientErrors(await new DataSource(options!).initialize());
          },
        }),
      ],
    };
  }
}
