import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-codes.js';
import { validateRouteParams, type RouteParams } from '../common/validation/route-params.js';
import type { User } from '../database/entities/user.entity.js';
import { AccessService } from './access.service.js';
import { ALLOW_SELF_KEY, ANY_PRINCIPAL_KEY } from './allow-self.decorator.js';
import { setRequestScope } from './current-scope.decorator.js';
import { REQUIRED_PERMISSION_KEY } from './permission.decorator.js';
import type { Permission } from './permissions.js';
import { grantOf, isOrgKey } from './principal.js';
import type { ScopeRef } from './scope.js';

/**
 * Runs after authentication, in the documented check order: path and query parameters (422), then the
 * scope's visibility (404), then the declared permission (403). The resolved scope stays on the
 * request for the handler.
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const rawParams = req.params as Record<string, string | undefined>;
    const validated = await validateRouteParams(context, this.reflector);
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(REQUIRED_PERMISSION_KEY, [context.getHandler(), context.getClass()]);
    const user = req.user as User;
    if (!permission) {
      if (isOrgKey(user) && !this.reflector.get<boolean>(ANY_PRINCIPAL_KEY, context.getHandler())) throw new NotAsUserError();
      return true;
    }
    const scope = await this.access.resolve(user, scopeRefOf(rawParams, validated, req), this.access.readerFor(req));
    const enforced = this.namesCaller(context, rawParams, user) ? null : permission;
    setRequestScope(req, scope, enforced);
    if (enforced) this.access.assertPermission(scope, enforced);
    return true;
  }

  /**
   * Whether the handler waives its permission for the caller's own id and the path names the caller.
   * Never for a key with scopes: what it may do is exactly what it was granted.
   */
  private namesCaller(context: ExecutionContext, params: Record<string, string | undefined>, user: User): boolean {
    if (grantOf(user)?.scopes) return false;
    const selfParam = this.reflector.get<string | undefined>(ALLOW_SELF_KEY, context.getHandler());
    return selfParam !== undefined && String(params[selfParam]).toLowerCase() === user.user_id;
  }
}

/**
 * The scope as the handler will read it: from the validated query when the handler declares one,
 * so a repeated `?workspace_id=` names one workspace (the last) for the guard and the handler alike.
 * Path ids as sent, so that a 404 names the id the client asked for.
 */
function scopeRefOf(params: Record<string, string | undefined>, validated: RouteParams, req: Request): ScopeRef {
  const query = validated.query ?? (req.query as Record<string, unknown>);
  return { orgId: params.org_id, workspaceId: params.workspace_id ?? lastText(query.workspace_id) };
}

function lastText(value: unknown): string | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' ? last : undefined;
}

/**
 * An organization key acts only through declared permissions: an operation that declares none is
 * about the person calling (their profile, their own keys and organizations), which a key of an
 * organization is not.
 */
export class NotAsUserError extends AppError {
  constructor() {
    super(ErrorCode.Forbidden, 'An organization API key cannot use this operation', { required_principal: 'user' });
  }
}
