import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { requestId } from './common/http/request-id.js';
import { setupSwagger } from './common/swagger.js';
import type { AppConfig } from './config/config.js';
import { Metrics } from './health/metrics.js';

/**
 * Builds the application exactly as it serves, for the server and the tests alike. Body parsers
 * are mounted here, after the request-id middleware, so even a 413 carries `X-Request-ID`.
 */
export async function createApp(config: AppConfig & { databaseUrl: string }): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  const express = app.getHttpAdapter().getInstance();
  express.disable('x-powered-by');
  express.set('etag', false);
  app.use(requestId);
  if (config.metricsEnabled) app.use(app.get(Metrics).middleware);
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.bodyLimitBytes, extended: false });
  if (config.swaggerEnabled) setupSwagger(app);
  return app;
}

/** Slow clients must not hold a connection forever (header trickle, endless bodies). */
export function applyServerTimeouts(server: Server, config: AppConfig): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = config.requestTimeoutMs;
  server.keepAliveTimeout = 5_000;
}
