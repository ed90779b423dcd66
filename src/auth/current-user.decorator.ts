import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { User } from '../database/entities/user.entity.js';

/** The authenticated caller, as loaded by the JWT guard on this request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): User => {
  return context.switchToHttp().getRequest<Request>().user as User;
});

const sessions = new WeakMap<Request, string>();

/** Called by the guard: the session (refresh-token family) the request's access token belongs to. */
export function rememberSession(req: Request, sessionId: string | undefined): void {
  if (sessionId) sessions.set(req, sessionId);
}

/**
 * The session of the caller's access token (its `sid`), or `undefined` for a token issued without
 * one: what logout ends, and what a password change keeps.
 */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  return sessions.get(context.switchToHttp().getRequest<Request>());
});
