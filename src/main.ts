import 'reflect-metadata';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from './config/config.js';
import { ConfigError } from './config/parsers.js';

if (existsSync('.env')) process.loadEnvFile('.env');

// The process's own lines (start, stop, fatal errors), in the same JSON form as the request logs.
// They are written whatever LOG_LEVEL says: an operator always learns where the service listens.
const out = pino({ base: { pid: process.pid, service: 'identity-service' } }, pino.destination({ fd: 1, sync: true }));
const err = pino({ base: { pid: process.pid, service: 'identity-service' } }, pino.destination({ fd: 2, sync: true }));

try {
  // Checked before the application code is even loaded: a bad variable fails in milliseconds.
  loadConfig(process.env);
  const { startServer } = await import('./server.js');
  const server = await startServer();
  const db = server.embedded;
  if (db) out.info({ database: db.publicUrl, data_dir: server.config.dataDir }, `embedded PostgreSQL at ${db.publicUrl} (npm run db:psql opens psql on it), data in ${path.resolve(server.config.dataDir)}`);
  out.info({ docs: `${server.url}/docs` }, `listening on ${server.url}`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      out.warn(`${signal} received again, exiting now`);
      process.exit(1); // the 'exit' hook still stops an embedded server
    }
    stopping = true;
    out.info(`${signal} received, draining`);
    try {
      await server.close();
      out.info('stopped');
      process.exit(0);
    } catch (error) {
      err.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) err.fatal({ variable: error.variable }, error.message);
  else err.fatal({ err: error }, 'the service could not start');
  process.exit(1);
}
