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

/**
 * A request must fail fast (503) rather than queue or hang while the database is away. Nothing is
 * set per session (no startup `options`, no server-side `statement_timeout` parameter): the pool
 * may be PgBouncer in transaction mode, which refuses such parameters and would not keep them on
 * the server connection a later transaction gets. Server-side defaults belong to the role
 * (`ALTER ROLE … SET statement_timeout = '15s'`, see the README); the client-side timeout below
 * holds either way.
 */
function servingPool(max: number): Record<string, number | string> {
  return {
    max,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    // A server that stops answering without closing the connection.
    query_timeout: 20_000,
  };
}
