import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLineWriter } from '../logging.js';
import { fixPathEncoding } from './lenient-path.js';
import { assignRequestId } from './request-id.js';
import { setSecurityHeaders } from './security-headers.js';

const STARTED = Symbol('started');
type TimedResponse = ServerResponse & { [STARTED]: number };

/** Told of every finished response with its duration in seconds (the metrics). */
export type ResponseObserver = (req: IncomingMessage, res: ServerResponse, seconds: number) => void;

/**
 * The one middleware every request passes first: its id (and `X-Request-ID`), the security
 * headers, the lenient path decoding (`fixPathEncoding`), and a single `close` listener that
 * feeds the metrics and writes the request line. Four middleware, two of them with a listener,
 * cost measurably more on the hottest route than this.
 */
export function requestFront(writeLine: RequestLineWriter, observe?: ResponseObserver) {
  // One function for every response, bound by `this`: no closure and no `once` wrapper per request.
  function finished(this: TimedResponse): void {
    const req = this.req;
    if (observe && this.writableFinished) observe(req, this, (performance.now() - this[STARTED]) / 1000);
    writeLine(req, this, this[STARTED]);
  }
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    assignRequestId(req, res);
    setSecurityHeaders(res);
    fixPathEncoding(req);
    (res as TimedResponse)[STARTED] = performance.now();
    res.on('close', finished);
    next();
  };
}
