import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadRouter } from './read-router.js';
import { mayWrite } from './reads-only.js';

type Ended = ServerResponse['end'];

/**
 * Express middleware for a service with replicas: when a request that may have written succeeds,
 * the primary's WAL position is stored as its caller's mark before the response is let go, so
 * the caller's next request, on any instance, reads at least that much. The response's `end` waits
 * for the mark; a failure to store it is logged by the router and the response goes out anyway.
 * Reads (GET, HEAD, and routes marked `@ReadsOnly()`) leave no mark.
 */
export function recordWrites(router: ReadRouter) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (!mayWrite(req)) return next();
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      const principal = (req as IncomingMessage & { user?: { user_id?: string } }).user?.user_id;
      const send = () => (end as (...a: unknown[]) => ServerResponse).apply(this, args);
      // Asked again: a route marked `@ReadsOnly()` is known only once it is matched.
      if (!principal || res.statusCode >= 400 || !mayWrite(req)) return send();
      void router.recordWrite(principal).catch((error) => router.markFailed(error)).finally(send);
      return this;
    } as Ended;
    next();
  };
}
