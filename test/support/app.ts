import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { createApp, type CreateAppOptions } from '../../dist/app.setup.js';
import { loadConfig, type AppConfig } from '../../dist/config/config.js';
import { admin, withDatabase } from './global-setup.js';
import { ResponseValidation } from './openapi-hook.js';
import pino from 'pino';
import { ROOT_LOGGER } from '../../dist/common/logging.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';
export const TEST_ISSUER = 'identity-service';
export const TEST_AUDIENCE = 'identity-service';
export const TEST_WEBHOOK_KEY = Buffer.alloc(32, 9).toString('base64');

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof supertest>;
  db: DataSource;
  config: AppConfig;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A fresh database copied from the migrated template; each test file gets its own. */
export async function createTestDatabase(): Promise<string> {
  const serverUrl = inject('serverUrl');
  const name = `identity_t_${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
      // The default a deployment gives the service's role (README, Running at scale); a copy does
      // not inherit its template's settings.
      await admin(serverUrl, `ALTER DATABASE ${name} SET max_parallel_workers_per_gather = 0`);
      break;
    } catch (error) {
      // Two copies of one template at the same instant can collide; try again shortly.
      if (attempt >= 10 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return withDatabase(serverUrl, name);
}

/**
 * With a replica (TEST_WITH_REPLICA=1), each request is handled once the replica has replayed
 * everything written before it. Tests write fixtures with `db`, behind the service's back, where
 * no caller's read-your-writes mark covers them; this mode proves that every endpoint works with
 * its reads on a replica, while test/e2e/replicas.test.ts proves read-your-writes against a
 * replica that lags seconds behind.
 */
function serveAfterReplay(server: Server, replayed: () => Promise<void>): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    replayed().then(
      () => listeners.forEach((listener) => listener.call(server, req, res)),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
}

/**
 * A function that resolves once the replica has replayed the primary's WAL position at the time of
 * its call. It reads both on connections of its own, never on the application's pool (which a test
 * may have filled on purpose); `close` ends them.
 */
function replayWaiter(primaryUrl: string, replicaUrl: string): { replayed: () => Promise<void>; close: () => Promise<void> } {
  let clients: Promise<[pg.Client, pg.Client]> | undefined;
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  };
  return {
    async replayed() {
      clients ??= Promise.all([connect(primaryUrl), connect(replicaUrl)]);
      const [primary, replica] = await clients;
      const { rows } = await primary.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
      for (let i = 0; i < 200; i++) {
        const done = await replica.query(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed`, [rows[0].lsn]);
        if (done.rows[0].replayed) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`the replica did not replay ${rows[0].lsn} within 5 s`);
    },
    async close() {
      if (clients) await Promise.all((await clients).map((c) => c.end()));
    },
  };
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin(inject('serverUrl'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
}

/**
 * Builds the service in process, exactly as `npm start` does, on its own database.
 * `options.modules` mounts test-only modules next to the service (same guards, pipe and filter).
 */
export async function createTestApp(env: Record<string, string> = {}, options: CreateAppOptions = {}): Promise<TestApp> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase());
  const pooledServer = inject('pooledServerUrl');
  // Through PgBouncer (TEST_VIA_PGBOUNCER=1): serving pool pooled, migrations direct.
  const pooled = pooledServer && !env.DATABASE_URL ? { DATABASE_URL: withDatabase(pooledServer, new URL(databaseUrl).pathname.slice(1)), DATABASE_MIGRATION_URL: databaseUrl } : { DATABASE_URL: databaseUrl };
  // With TEST_WITH_REPLICA=1: reads go to the streaming replica of the test database.
  const replicaServer = inject('replicaServerUrl');
  const replicaUrl = replicaServer && !env.DATABASE_URL ? withDatabase(replicaServer, new URL(databaseUrl).pathname.slice(1)) : undefined;
  const replica = replicaUrl ? { DATABASE_REPLICA_URLS: replicaUrl } : {};
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
    RATE_LIMIT_REFRESH_PER_MINUTE: '100000',
    RATE_LIMIT_ACCOUNT_MAIL_PER_MINUTE: '100000',
    RATE_LIMIT_SIGNUP_PER_MINUTE: '100000',
    RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR: '100000',
    ARGON2_MEMORY_KIB: '4096',
    ARGON2_TIME_COST: '1',
    // Background work (the queue, the webhook dispatcher) runs on its own timers and would show up in
    // the statement counts of unrelated tests; the tests that need it turn it on.
    JOBS_ENABLED: 'false',
    WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY,
    ...replica,
    ...env,
    ...pooled,
  });
  const app = await createApp({ ...config, databaseUrl: pooled.DATABASE_URL }, options);
  await app.init();
  const db = app.get(DataSource);
  // Every response is checked against the OpenAPI document; see openapi-hook.ts.
  const responses = ResponseValidation.attach(app);
  const replay = replicaUrl ? replayWaiter(databaseUrl, replicaUrl) : undefined;
  if (replay) serveAfterReplay(app.getHttpServer(), replay.replayed);
  return {
    app,
    http: responses.http(app.getHttpServer()),
    db,
    config,
    databaseUrl,
    async close() {
      await app.close();
      await replay?.close();
      if (!env.DATABASE_URL) await dropTestDatabase(databaseUrl);
      responses.assertClean();
    },
  };
}

export interface SeedUser {
  user_id: string;
  email: string;
  username: string;
  password: string;
  token: string;
}

let argon2Hash: Promise<string> | undefined;
export const TEST_PASSWORD = 'correct-horse-battery';

/** Inserts a user directly (password `TEST_PASSWORD`) and returns it with a valid access token. */
export async function seedUser(db: DataSource, fields: Record<string, unknown> = {}): Promise<SeedUser> {
  const argon2 = await import('argon2');
  argon2Hash ??= argon2.hash(TEST_PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
  const suffix = randomBytes(5).toString('hex');
  const row = { email: `user_${suffix}@example.com`, username: `user_${suffix}`, password_hash: await argon2Hash, ...fields };
  const columns = Object.keys(row);
  const [created] = await db.query(
    `INSERT INTO users (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING user_id, email, username`,
    Object.values(row),
  );
  return { ...created, password: TEST_PASSWORD, token: await signToken({ sub: created.user_id }) };
}

/** Signs an access token the way the service does; claims can be overridden to forge bad ones. */
export async function signToken(claims: Record<string, unknown>, options: { secret?: string; expiresIn?: jwt.SignOptions['expiresIn']; alg?: jwt.Algorithm } = {}): Promise<string> {
  const payload = { jti: randomUUID(), iss: TEST_ISSUER, aud: TEST_AUDIENCE, ...claims };
  return jwt.sign(payload, options.secret ?? TEST_JWT_SECRET, {
    algorithm: options.alg ?? 'HS256',
    expiresIn: options.expiresIn ?? '15m',
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The standard error body, with the timestamp checked for its exact form. */
export function expectErrorShape(body: any, status: number, error: string): void {
  if (typeof body?.timestamp !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(body.timestamp)) {
    throw new Error(`bad timestamp in ${JSON.stringify(body)}`);
  }
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'details,error,message,status_code,timestamp') throw new Error(`unexpected keys ${keys}`);
  if (body.status_code !== status || body.error !== error) throw new Error(`expected ${status} ${error}, got ${JSON.stringify(body)}`);
  if (typeof body.details !== 'object' || body.details === null || Array.isArray(body.details)) throw new Error('details must be an object');
}

/**
 * Statements no handler sends: the background queue's polls and schedule turns (their own timer),
 * and with replicas (TEST_WITH_REPLICA=1) the WAL positions the read router polls and records.
 */
export const BACKGROUND_POLL = /^\s*(WITH (claimed AS \(UPDATE jobs|turn AS \(INSERT INTO job_schedules)|SELECT pg_(current_wal_lsn|last_wal_replay_lsn)\(\)(::text AS lsn$| >= \$1::pg_lsn AS replayed$))/;

/**
 * Every SQL statement sent to PostgreSQL while `run` runs, in order, counted at pg's `Client` (the
 * TypeORM query runner and the pool's own `query` both end there), but for `BACKGROUND_POLL`.
 */
export async function recordQueries<T>(run: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const sql: string[] = [];
  proto.query = function (this: unknown, query: unknown, ...rest: unknown[]) {
    const text = typeof query === 'string' ? query : String((query as { text?: unknown }).text);
    if (!BACKGROUND_POLL.test(text)) sql.push(text);
    return original.call(this, query, ...rest);
  };
  try {
    return { result: await run(), sql };
  } finally {
    proto.query = original;
  }
}

/** Every line the application logs from now on (JSON text), kept instead of written out. */
export function captureLogs(t: TestApp): string[] {
  const lines: string[] = [];
  const destination = (t.app.get(ROOT_LOGGER) as unknown as Record<symbol, { write(line: string): boolean }>)[pino.symbols.streamSym];
  destination.write = (line: string) => lines.push(line) > 0;
  return lines;
}
