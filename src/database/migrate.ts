import { DataSource } from 'typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source.options.js';

const MIGRATION_LOCK_KEY = 742_001;

/**
 * Applies pending migrations; instances that start together take turns. The lock is taken in a
 * transaction held open on a connection of its own for the whole run: a transaction keeps its
 * server connection even behind PgBouncer in transaction mode, where a session lock would stay
 * behind on whichever server connection happened to run it.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.startTransaction();
    await lock.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    if (lock.isTransactionActive) await lock.commitTransaction().catch(() => undefined);
    await lock.release();
  }
}

/**
 * Migrates on short-lived connections of their own, free of the serving pool's timeouts, through
 * `migrationUrl` (a direct connection) when given.
 */
export async function migrateDatabase(settings: DatabaseSettings & { migrationUrl?: string }): Promise<void> {
  const url = settings.migrationUrl ?? settings.url;
  const dataSource = await new DataSource(dataSourceOptions({ url, poolSize: 2, forMigrations: true })).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
