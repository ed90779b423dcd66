import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigError } from './config/parsers.js';
import { startServer } from './server.js';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
  const server = await startServer();
  console.log(JSON.stringify({ level: 'info', msg: `listening on ${server.url}`, docs: `${server.url}/docs` }));
  const shutdown = async (signal: string) => {
    console.log(JSON.stringify({ level: 'info', msg: `${signal} received, draining` }));
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  const message = error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error);
  console.error(JSON.stringify({ level: 'fatal', msg: message }));
  process.exit(1);
}
