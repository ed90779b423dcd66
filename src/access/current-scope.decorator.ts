import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ResolvedScope } from './scope.js';

const SCOPE = Symbol('access_scope');

type ScopedRequest = Request & { [SCOPE]?: ResolvedScope };

export function setRequestScope(req: Request, scope: ResolvedScope): void {
  (req as ScopedRequest)[SCOPE] = scope;
}

export function getRequestScope(req: Request): ResolvedScope | undefined {
  return (req as ScopedRequest)[SCOPE];
}

/** The scope the permission guard resolved for this request, so handlers need not query it again. */
export const CurrentScope = createParamDecorator((_data: unknown, context: ExecutionContext): ResolvedScope => {
  const scope = getRequestScope(context.switchToHttp().getRequest<Request>());
  if (!scope) throw new Error('CurrentScope used on a route without a declared permission');
  return scope;
});
