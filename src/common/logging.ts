import type { LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import pino from 'pino';

/** Paths never written to a log: credentials, tokens and hashes, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.password_hash',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.secret',
  // A failed query's bound values (TypeORM's QueryFailedError) can hold hashes and tokens.
  'err.parameters',
];

const SECRET_QUERY_PARAMS = /([?&](?:access_token|refresh_token|token|password|code|secret)=)[^&#]*/gi;

/** Credentials have no business in a query string, but when a client sends one it is not logged. */
export function scrubUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[REDACTED]');
}

/** The root pino logger of an application, for what logs outside Nest's LoggerService (`requestLog`). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Structured JSON logs through one root pino logger: Nest's own logs reach it through
 * `PinoNestLogger`, and the per-request line comes from `requestLog` below. Logs about a request
 * carry its `req_id` explicitly; no request-scoped logger or AsyncLocalStorage is involved, which
 * on Node 20 would turn on a hook for every promise in the process (see bench/README.md).
 */
export function createLogging(level: string): pino.Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid, hostname: hostname(), service: 'identity-service' },
    },
    // Asynchronous writes: lines logged while a write is in flight go out together in the next
    // one, instead of one blocking write(2) per line on the event loop. Flushed on exit.
    pino.destination({ dest: 1, sync: false }),
  );
}

type LoggedRequest = IncomingMessage & { originalUrl?: string };

const EXPLAINED = Symbol('explainedRequestLine');
/** A request line an error explains: written at warn with its own message and fields, or not at all. */
export type ExplainedLine = { msg: string; fields: Record<string, unknown> } | 'skip';
type ExplainedResponse = ServerResponse & { [EXPLAINED]?: ExplainedLine };

/**
 * Marks the response's request line: a 503 that a known cause explains is a warning, not an error,
 * and during an outage most of them are left to the outage's summary lines.
 */
export function explainRequestLine(res: ServerResponse, line: ExplainedLine): void {
  (res as ExplainedResponse)[EXPLAINED] = line;
}

/** Health and metrics probes are frequent and carry nothing worth a log line. */
const UNLOGGED = new Set(['/health/live', '/health/ready', '/metrics']);

/** Writes a request's line once its response is done; see `requestLineWriter`. */
export type RequestLineWriter = (req: LoggedRequest, res: ServerResponse, startedMs: number) => void;

/**
 * One line per request when its response is done (or the client went away): level 50 for a 5xx,
 * else 30; 40 for a 503 that a known cause explains (`explainRequestLine`). The shape is
 * pino-http's (`req`, `res`, `responseTime`) so log queries keep working; the Authorization header
 * is never copied, only marked as present. Called by the front middleware (`requestFront`).
 */
export function requestLineWriter(root: pino.Logger): RequestLineWriter {
  // Built only of fields read here (the query string scrubbed, no header but the user agent), so
  // the line skips the redaction pass that costs a plain log line twice over.
  const logger = root.child({}, { redact: { paths: [] } });
  return (req, res, startedMs) => {
    const explained = (res as ExplainedResponse)[EXPLAINED];
    if (explained === 'skip') return;
    const url = req.originalUrl ?? req.url ?? '';
    const query = url.indexOf('?');
    if (UNLOGGED.has(query < 0 ? url : url.slice(0, query))) return;
    const line = {
      req: {
        id: req.id,
        method: req.method,
        url: scrubUrl(url),
        headers: { 'user-agent': req.headers['user-agent'], authorization: req.headers.authorization === undefined ? undefined : '[REDACTED]' },
      },
      res: { statusCode: res.statusCode },
      responseTime: Math.round(performance.now() - startedMs),
    };
    if (explained) logger.warn({ ...line, ...explained.fields }, explained.msg);
    else if (res.statusCode >= 500) logger.error(line, 'request errored');
    else logger.info(line, res.writableFinished ? 'request completed' : 'request aborted');
  };
}

/** Where Nest narrates its own start: modules initialised, each route mapped, "successfully started". */
const STARTUP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Nest's start-up narration (some thirty lines, one per module and route) at debug instead of info:
 * at `info` a start says what matters in one line of its own (`listening on …`), and every
 * in-process application a test builds stays quiet. Everything else passes through unchanged.
 */
export function quietStartup(logger: LoggerService): LoggerService {
  const quiet: LoggerService = Object.create(logger);
  quiet.log = (message: unknown, ...rest: unknown[]) => {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) logger.debug?.(message, ...rest);
    else logger.log(message, ...rest);
  };
  return quiet;
}
