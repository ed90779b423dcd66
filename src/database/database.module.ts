import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source.options.js';
import { migrateDatabase } from './migrate.js';

const logger = new Logger('Database');

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
            poolErrorHandler: (error: Error) => logger.warn({ err: error }, 'database connection lost'),
          }),
          dataSourceFactory: async (options) => {
            await migrateDatabase(settings);
            return new DataSource(options!).initialize();
          },
        }),
      ],
    };
  }
}
