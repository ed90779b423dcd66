import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import pino from 'pino';

/** Paths never written to a log: credentials, tokens and hashes, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
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

/** Structured JSON request logs carrying the request id set by the `requestId` middleware. */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: [
      {
        level,
        genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? '',
        redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
        // In the base bindings, not `customProps`: those cost a child logger on every request.
        base: { pid: process.pid, hostname: hostname(), service: 'identity-service' },
        serializers: {
          req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
            id: req.id,
            method: req.method,
            url: scrubUrl(req.url),
            headers: { 'user-agent': req.headers['user-agent'], authorization: req.headers.authorization },
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
        quietReqLogger: true,
      },
      // Asynchronous writes: lines logged while a write is in flight go out together in the next
      // one, instead of one blocking write(2) per line on the event loop. Flushed on exit.
      pino.destination({ dest: 1, sync: false }),
    ],
    // Health and metrics probes are frequent and carry nothing worth a log line.
    exclude: ['health/live', 'health/ready', 'metrics'],
  };
}
