import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyServerTimeouts, createApp, type CreateAppOptions } from './app.setup.js';
import { loadConfig, type AppConfig } from './config/config.js';
import { withDevelopmentSecret } from './config/dev-secret.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';

export interface RunningServer {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  embedded?: EmbeddedPostgres;
  /** Stops taking requests, lets in-flight ones finish, closes the pool, then the embedded server. */
  close(): Promise<void>;
}

/** Starts the service: on `DATABASE_URL` when set, else on an embedded PostgreSQL under `DATA_DIR`. */
export async function startServer(env: NodeJS.ProcessEnv = process.env, options: CreateAppOptions = {}): Promise<RunningServer> {
  const config = await withDevelopmentSecret(loadConfig(env));
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = new EmbeddedPostgres({ dataDir: config.dataDir });
    databaseUrl = await embedded.start();
  }
  try {
    const app = await createApp({ ...config, databaseUrl }, options);
    applyServerTimeouts(app.getHttpServer(), config);
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const close = async () => {
      // Nest closes the HTTP server last, after the pool: drain it first, while the pool still serves.
      await drain(app.getHttpServer(), config.shutdownTimeoutMs);
      await app.close();
      await embedded?.stop();
    };
    return { app, url: `http://127.0.0.1:${port}`, config, embedded, close };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Stops accepting connections and waits for in-flight requests; keep-alive connections are closed
 * as soon as they fall idle, and whatever is still open after `timeoutMs` is cut.
 */
function drain(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
