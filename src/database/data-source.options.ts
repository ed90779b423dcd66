import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  /** Schema changes may legitimately run long: no statement or query timeout then. */
  forMigrations?: boolean;
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
    extra: settings.forMigrations ? { max: settings.poolSize ?? 1, connectionTimeoutMillis: 10_000 } : servingPool(settings.poolSize ?? 10),
  };
}

/** A request must fail fast (503) rather than queue or hang while the database is away. */
function servingPool(max: number): Record<string, number | string> {
  return {
    max,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 15_000,
    // Client side too: a server that stops answering without closing the connection.
    query_timeout: 20_000,
    // Many short queries at once: a parallel plan's workers cost more CPU than they save, and they
    // compete with the other requests for the same cores (a search at 1M members: 33 → 54 req/s).
    options: '-c max_parallel_workers_per_gather=0',
  };
}
