import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgres } from '../../dist/database/embedded-postgres.js';
import { migrateDatabase } from '../../dist/database/migrate.js';
import { startPgBouncer, type RunningPgBouncer } from './pgbouncer.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDb: string;
    /** With TEST_VIA_PGBOUNCER=1: the server behind PgBouncer in transaction mode ('' otherwise). */
    pooledServerUrl: string;
    /** With TEST_WITH_REPLICA=1: a streaming replica of the server ('' otherwise). */
    replicaServerUrl: string;
  }
}

/**
 * One PostgreSQL for the run: TEST_DATABASE_URL when set, else an embedded server in a temp
 * folder. Migrations run once into a template database; each test file copies it. With
 * `TEST_VIA_PGBOUNCER=1`, the applications the tests build reach their databases through one
 * PgBouncer in transaction mode (migrations through a direct connection), as a scaled-out
 * deployment does. With `TEST_WITH_REPLICA=1`, the server is a primary the run starts with a
 * streaming replica of it (the machine's PostgreSQL binaries), and every application reads from
 * the replica as `DATABASE_REPLICA_URLS` directs.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.TEST_DATABASE_URL;
  let cluster: PgCluster | undefined;
  if (process.env.TEST_WITH_REPLICA === '1') {
    cluster = await startPgCluster({ applyDelay: 0 });
    serverUrl = cluster.primary.url('postgres');
  } else if (!serverUrl) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-test-pg-'));
    await fs.chmod(dataDir, 0o755);
    embedded = new EmbeddedPostgres({ dataDir });
    serverUrl = await embedded.start();
  }
  const templateDb = `identity_tpl_${process.pid}_${Date.now()}`;
  await admin(serverUrl, `CREATE DATABASE ${templateDb}`);
  await migrateDatabase({ url: withDatabase(serverUrl, templateDb) });
  project.provide('serverUrl', serverUrl);
  project.provide('templateDb', templateDb);
  let bouncer: RunningPgBouncer | undefined;
  if (process.env.TEST_VIA_PGBOUNCER === '1') bouncer = await startPgBouncer(serverUrl, { serverConnections: 8 });
  project.provide('pooledServerUrl', bouncer ? bouncer.pooled(serverUrl) : '');
  project.provide('replicaServerUrl', cluster ? cluster.replica.url('postgres') : '');

  return async () => {
    await bouncer?.stop();
    await admin(serverUrl!, `DROP DATABASE IF EXISTS ${templateDb}`).catch(() => undefined);
    await embedded?.stop();
    await cluster?.close();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
