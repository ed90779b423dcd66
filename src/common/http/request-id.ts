import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by `requestId` on every request before anything else runs. */
    id: string;
  }
}

const SANE_ID = /^[A-Za-z0-9._:\-]{1,128}$/;

/** Echoes a sane `X-Request-ID` or makes one; runs first so that every response carries it. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
  req.id = id;
  res.setHeader('X-Request-ID', id);
}
