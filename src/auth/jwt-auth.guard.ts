import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError, AuthenticationError } from '../common/errors/app-error.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';

/**
 * Requires a valid access token unless the route is `@Public()`. Failure is always a thrown 401 in
 * the standard shape, never `false` (which Nest would turn into a 403).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
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
