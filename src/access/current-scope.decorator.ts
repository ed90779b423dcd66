import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Permission } from './permissions.js';
import type { ResolvedScope } from './scope.js';

const SCOPE = Symbol('access_scope');

/** What the permission guard decided for a request. */
interface Decision {
  scope: ResolvedScope;
  /** The permission it required of the caller; null when waived because the route names the caller. */
  enforced: Permission | null;
}

type ScopedRequest = Request & { [SCOPE]?: Decision };

export function setRequestScope(req: Request, scope: ResolvedScope, enforced: Permission | null): void {
  (req as ScopedRequest)[SCOPE] = { scope, enforced };
}

export function getRequestScope(req: Request): ResolvedScope | undefined {
  return (req as ScopedRequest)[SCOPE]?.scope;
}

function decisionOf(context: ExecutionContext): Decision {
  const decision = (context.switchToHttp().getRequest<Request>() as ScopedRequest)[SCOPE];
  if (!decision) throw new Error('Access decorators used on a route without a declared permission');
  return decision;
}

/** The scope the permission guard resolved for this request, so handlers need not query it again. */
export const CurrentScope = createParamDecorator((_data: unknown, context: ExecutionContext): ResolvedScope => decisionOf(context).scope);

/**
 * The permission the guard required of the caller (null when it was waived for the caller's own
 * id). A service that re-reads the caller's standing under its row locks asserts this again,
 * since the guard's read may be stale by then, without naming the permission a second time.
 */
export const EnforcedPermission = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Permission | null => decisionOf(context).enforced,
);
