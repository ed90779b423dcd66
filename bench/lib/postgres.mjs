import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dist } from './paths.mjs';

/**
 * A fresh database for one run: on the server in DATABASE_URL when set, else on an embedded
 * PostgreSQL in a temporary folder. The schema comes from the service's own migrations.
 */
export async function startDatabase({ log }) {
  let embedded;
  let dataDir;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const { EmbeddedPostgres } = await import(dist('database/embedded-postgres.js'));
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-bench-pg-'));
    // The server may run as the `postgres` user, who must be able to enter the folder.
    await fs.chmod(dataDir, 0o755);
    embedded = new EmbeddedPostgres({ dataDir });
    serverUrl = await embedded.start();
    log(`embedded PostgreSQL on port ${embedded.port}`);
  }
  const name = `identity_bench_${randomBytes(4).toString('hex')}`;
  const stop = async () => {
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await embedded?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    // What a deployment sets for the service's role (README, Running at scale): the connections
    // themselves set nothing, so that PgBouncer in transaction mode works.
    await adminQuery(serverUrl, `ALTER DATABASE ${name} SET max_parallel_workers_per_gather = 0`);
    const url = withDatabase(serverUrl, name);
    await migrate(url);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Applies the service's migrations (from dist/) to the database at `url`. */
export async function migrate(url) {
  const { dataSourceOptions } = await import(dist('database/data-source.options.js'));
  const { runMigrations } = await import(dist('database/migrate.js'));
  const ds = await new DataSource(dataSourceOptions({ url, poolSize: 2 })).initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}

export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
