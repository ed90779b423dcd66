import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { loadConfig } from './config/config.js';
import { ConfigError } from './config/parsers.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const log = (stream: NodeJS.WriteStream, level: string, msg: string, extra: object = {}) =>
  stream.write(`${JSON.stringify({ level, time: Date.now(), msg, ...extra })}\n`);

try {
  // Checked before the application code is even loaded: a bad variable fails in milliseconds.
  loadConfig(process.env);
  const { startServer } = await import('./server.js');
  const server = await startServer();
  log(process.stdout, 'info', `listening on ${server.url}`, { docs: `${server.url}/docs` });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log(process.stdout, 'warn', `${signal} received again, exiting now`);
      process.exit(1); // the 'exit' hook still stops an embedded server
    }
    stopping = true;
    log(process.stdout, 'info', `${signal} received, draining`);
    try {
      await server.close();
      log(process.stdout, 'info', 'stopped');
      process.exit(0);
    } catch (error) {
      log(process.stderr, 'error', 'shutdown failed', { err: String((error as Error)?.stack ?? error) });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  const message = error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error);
  log(process.stderr, 'fatal', message);
  process.exit(1);
}
