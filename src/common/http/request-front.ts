import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLineWriter } from '../logging.js';
import { fixPathEncoding } from './lenient-path.js';
import { assignRequestId } from './request-id.js';
import { setSecurityHeaders } from './security-headers.js';

/** Told of every finished response with its duration in seconds (the metrics). */
export type ResponseObserver = (req: IncomingMessage, res: ServerResponse, seconds: number) => void;

/**
 * The one middleware every request passes first: its id (and `X-Request-ID`), the security
 * headers, the lenient path decoding (`fixPathEncoding`), and a single `close` listener that
 * feeds the metrics and writes the request line. Four middleware, two of them with a listener,
 * cost measurably more on the hottest route than this.
 */
export function requestFront(writeLine: RequestLineWriter, observe?: ResponseObserver) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    assignRequestId(req, res);
    setSecurityHeaders(res);
    fixPathEncoding(req);
    const started = performance.now();
    res.once('close', () => {
      if (observe && res.writableFinished) observe(req, res, (performance.now() - started) / 1000);
      writeLine(req, res, started);
    });
    next();
  };
}
