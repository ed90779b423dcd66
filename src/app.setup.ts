import type { IncomingMessage, Server } from 'node:http';
import { ConsoleLogger, Module, type DynamicModule, type ForwardReference, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type Request } from 'express';
import { AppModule } from './app.module.js';
import { forBodyMethods } from './common/http/bodies.js';
import { answerClientErrors } from './common/http/client-error.js';
import { rejectDeepJson } from './common/http/json-depth.js';
import { requestFront } from './common/http/request-front.js';
import { utf8BodiesOnly } from './common/http/utf8-body.js';
import { quietStartup, requestLineWriter, ROOT_LOGGER } from './common/logging.js';
import { PinoNestLogger } from './common/nest-logger.js';
import { setupSwagger } from './swagger.js';
import { ReadRouter } from './database/replicas/read-router.js';
import { recordWrites } from './database/replicas/record-writes.js';
import type { AppConfig } from './config/config.js';
import { Metrics } from './health/metrics.js';

export type ModuleImport = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

export interface CreateAppOptions {
  /** More modules served by the same application, with the same guards, pipe and filter. */
  modules?: ModuleImport[];
}

/**
 * Builds the application exactly as it serves, for the server and the tests alike. Body parsers
 * are mounted here, after the request-id middleware, so even a 413 carries `X-Request-ID`.
 */
export async function createApp(config: AppConfig & { databaseUrl: string }, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule(config, options.modules ?? []), {
    bodyParser: false,
    // Until pino takes over, and when the start fails before it does: JSON lines all the same.
    logger: new ConsoleLogger({ json: true, colors: false, logLevels: nestLogLevels(config.logLevel) }),
    bufferLogs: true,
    // A failed start (database unreachable) is an error the caller reports, not a process abort.
    abortOnError: false,
  });
  app.useLogger(quietStartup(new PinoNestLogger(app.get(ROOT_LOGGER))));
  const instance = app.getHttpAdapter().getInstance();
  instance.disable('x-powered-by');
  instance.set('etag', false);
  exactPaths(instance.router);
  // req.ip (the per-IP rate limits) is then the client's address as the trusted proxies saw it.
  if (config.trustProxy !== false) instance.set('trust proxy', config.trustProxy);
  app.use(requestFront(requestLineWriter(app.get(ROOT_LOGGER)), config.metricsEnabled ? app.get(Metrics).observe : undefined));
  answerClientErrors(app.getHttpServer(), app.get(ROOT_LOGGER));
  const reads = app.get(ReadRouter);
  if (reads.enabled) app.use(recordWrites(reads));
  // Not strict: any JSON document parses, and a body that is not an object is then refused by
  // validation the way pydantic refuses it (422 `model_attributes_type`), not as malformed JSON.
  // Only POST, PUT and PATCH bodies are read: like FastAPI, a GET or DELETE ignores whatever body a
  // client sends rather than answering 422 for malformed JSON nobody asked for.
  const json = { limit: config.bodyLimitBytes, strict: false, type: readsJson, verify: rejectDeepJson };
  const form = { limit: config.bodyLimitBytes, extended: false, type: readsForm };
  app.use(forBodyMethods(utf8BodiesOnly((req) => readsJson(req) || readsForm(req)), express.json(json), express.urlencoded(form)));
  if (config.swaggerEnabled) setupSwagger(app);
  return app;
}

const bodyOf = (mediaType: string) => (req: IncomingMessage) => !!(req as Request).is(mediaType);
const readsJson = bodyOf('application/json');
const readsForm = bodyOf('application/x-www-form-urlencoded');

/**
 * Routes match their path exactly, as Starlette's do: `/METRICS` or `/metrics/` is another path,
 * and an unknown one is a 404, not the same endpoint under a second name. Express takes these
 * options when it creates its router, which Nest's adapter has done already; no route exists yet.
 */
function exactPaths(router: unknown): void {
  Object.assign(router as object, { caseSensitive: true, strict: true });
}

const NEST_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const PINO_TO_NEST: Record<string, number> = { silent: 0, fatal: 1, error: 2, warn: 3, info: 4, debug: 5, trace: 6 };

function nestLogLevels(level: string): LogLevel[] {
  return NEST_LEVELS.slice(0, PINO_TO_NEST[level] ?? 4);
}

function rootModule(config: AppConfig & { databaseUrl: string }, modules: ModuleImport[]): DynamicModule {
  if (modules.length === 0) return AppModule.forRoot(config);
  @Module({})
  class ServiceWithExtras {}
  return { module: ServiceWithExtras, imports: [AppModule.forRoot(config), ...modules] };
}

/**
 * Slow clients must not hold a connection forever (header trickle, endless bodies). Node enforces
 * these timeouts on a timer that starts at `listen` with the interval set then (30 s by default),
 * so this must run before `listen`, with an interval short enough for the timeouts to mean what
 * they say.
 */
export function applyServerTimeouts(server: Server, config: AppConfig): void {
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = Math.max(config.requestTimeoutMs, config.headersTimeoutMs);
  server.keepAliveTimeout = 5_000;
  // A public field that Node's typings leave out (`http.createServer`'s option of the same name).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1_000, Math.ceil(config.headersTimeoutMs / 4));
}
