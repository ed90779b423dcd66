// The DataSource the TypeORM CLI uses (`npm run migration:run`, `migration:revert`, `migration:generate`).
// It reads DATABASE_URL; the running service applies migrations by itself at start.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source.options.js';

if (!process.env.DATABASE_URL) {
  throw new Error('Set DATABASE_URL to the PostgreSQL the migration command should act on');
}

export default new DataSource({
  ...dataSourceOptions({ url: process.env.DATABASE_URL, poolSize: 2, forMigrations: true }),
  entities: ['src/**/*.entity.ts'],
});
