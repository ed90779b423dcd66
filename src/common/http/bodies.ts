import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The methods whose handlers take a body; any other request's body is never read. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Runs the body middleware (charset check, parsers) in order, for requests of a method that takes
 * a body only: a GET or DELETE skips all of them in one comparison instead of passing through each
 * (three layers cost about 30 µs of CPU on every GET).
 */
export function forBodyMethods(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!BODY_METHODS.has(req.method)) return next();
    let i = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined || i === handlers.length) return next(error);
      handlers[i++](req, res, step);
    };
    step();
  };
}
