import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { AppError, AuthenticationError } from '../common/errors/app-error.js';
import { JwtStrategy } from './jwt.strategy.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';

/**
 * Requires a valid access token unless the route is `@Public()`. Failure is always a thrown 401 in
 * the standard shape, never `false` (which Nest would turn into a 403).
 *
 * The guard runs its own module's `JwtStrategy` instance through passport, not the strategy that
 * passport's process-wide registry holds under the name `jwt`: that one belongs to whichever
 * application registered last, so with two applications in one process (tests, a host embedding
 * the module twice) requests would be verified against the other application's keys and database.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // A fresh object per request: passport attaches its success/fail callbacks to it.
    const perRequest = Object.create(this.strategy) as passport.Strategy;
    req.user = await new Promise<Express.User>((resolve, reject) => {
      const authenticate = passport.authenticate(perRequest, { session: false }, (err: unknown, user: unknown, info: unknown) => {
        try {
          resolve(this.handleRequest(err, user, info) as Express.User);
        } catch (error) {
          reject(error);
        }
      });
      authenticate(req, res, (err?: unknown) => (err ? reject(err) : reject(new AuthenticationError())));
    });
    return true;
  }

  handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err instanceof AppError) throw err;
    if (err) throw err;
    if (!user) throw new AuthenticationError(messageFor(info));
    return user;
  }
}

/**
 * The 401 messages are the contract's (§2): `Token expired` for an expired token, `Authentication
 * required` for a missing, malformed, forged or foreign one (no hint of which check failed).
 */
function messageFor(info: unknown): string {
  const name = (info as { name?: string } | undefined)?.name;
  if (name === 'TokenExpiredError') return 'Token expired';
  return 'Authentication required';
}
