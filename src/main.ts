import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigError } from './config/parsers.js';
import { startServer } from './server.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const log = (level: string, msg: string, extra: object = {}) => console.log(JSON.stringify({ level, time: Date.now(), msg, ...extra }));

try {
  const server = await startServer();
  log('info', `listening on ${server.url}`, { docs: `${server.url}/docs` });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log('warn', `${signal} received again, exiting now`);
      process.exit(1); // the 'exit' hook still stops an embedded server
    }
    stopping = true;
    log('info', `${signal} received, draining`);
    try {
      await server.close();
      log('info', 'stopped');
      process.exit(0);
    } catch (error) {
      log('error', 'shutdown failed', { err: String((error as Error)?.stack ?? error) });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  const message = error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error);
  console.error(JSON.stringify({ level: 'fatal', time: Date.now(), msg: message }));
  process.exit(1);
}
