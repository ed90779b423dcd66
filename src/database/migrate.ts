import { DataSource } from 'typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source.options.js';

const MIGRATION_LOCK_KEY = 742_001;

/** Applies pending migrations; an advisory lock makes instances that start together take turns. */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Migrates on a short-lived connection of its own, free of the serving pool's timeouts. */
export async function migrateDatabase(settings: DatabaseSettings): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions({ url: settings.url, poolSize: 2, forMigrations: true })).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
