import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The pg pool behind a TypeORM DataSource (its driver's `master`, which TypeORM's typings leave
 * out); undefined before the DataSource is initialised.
 */
export function pgPool(dataSource: DataSource): Pool | undefined {
  return (dataSource.driver as unknown as { master?: Pool }).master;
}
