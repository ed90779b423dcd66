import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
}

/** Options shared by the running service and the TypeORM CLI (`ormconfig.ts`). Never `synchronize`. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: 'identity-service',
    extra: {
      max: settings.poolSize ?? 10,
      // A request must fail fast (503) rather than queue forever while the database is away.
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 15_000,
    },
  };
}
