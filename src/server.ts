import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyServerTimeouts, createApp, type CreateAppOptions } from './app.setup.js';
import { HttpDrain } from './common/http/drain.js';
import { loadConfig, type AppConfig } from './config/config.js';
import { withDevelopmentSecret } from './config/dev-secret.js';
import { optionalString } from './config/parsers.js';
import { embeddedDataDir } from './database/data-dir.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';
import { DatabaseOutage } from './database/outage.js';

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
  const config = await withDevelopmentSecret(withDataDir(loadConfig(env), env));
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = new EmbeddedPostgres({ dataDir: config.dataDir });
    databaseUrl = await embedded.start();
  }
  try {
    const app = await createApp({ ...config, databaseUrl }, options);
    applyServerTimeouts(app.getHttpServer(), config);
    const drain = new HttpDrain(app.getHttpServer());
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const close = async () => {
      // Connections the pool loses from here on are ours to close, not an outage to report.
      app.get(DatabaseOutage).shuttingDown();
      // Nest closes the HTTP server last, after the pool: drain it first, while the pool still serves.
      await drain.drain(config.shutdownTimeoutMs);
      await app.close();
      await embedded?.stop();
    };
    return { app, url: `http://127.0.0.1:${port}`, config, embedded, close };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** Only the embedded server has a say in where the data goes (see `embeddedDataDir`). */
function withDataDir(config: AppConfig, env: NodeJS.ProcessEnv): AppConfig {
  if (config.databaseUrl) return config;
  return { ...config, dataDir: embeddedDataDir(config.dataDir, optionalString(env, 'DATA_DIR') !== undefined) };
}
