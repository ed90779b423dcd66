import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { validateRouteParams } from '../common/validation/validate-route-params.js';
import type { User } from '../users/user.entity.js';
import { AccessService } from './access.service.js';
import { ALLOW_SELF_KEY } from './allow-self.decorator.js';
import { setRequestScope } from './current-scope.decorator.js';
import { REQUIRED_PERMISSION_KEY } from './permission.decorator.js';
import type { ScopeRef } from './scope.js';

/**
 * Runs after authentication, in the order of CONTRACT §7: path and query parameters (422), then the
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
    await validateRouteParams(context);
    const permission = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_PERMISSION_KEY, [context.getHandler(), context.getClass()]);
    if (!permission) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const user = req.user as User;
    const scope = await this.access.resolve(user, scopeRefOf(req));
    setRequestScope(req, scope);
    const selfParam = this.reflector.get<string | undefined>(ALLOW_SELF_KEY, context.getHandler());
    if (selfParam && String(req.params[selfParam]).toLowerCase() === user.user_id) return true;
    this.access.assertPermission(scope, permission);
    return true;
  }
}

function scopeRefOf(req: Request): ScopeRef {
  const params = req.params as Record<string, string | undefined>;
  const query = req.query as Record<string, unknown>;
  const queryWorkspace = typeof query.workspace_id === 'string' ? query.workspace_id : undefined;
  return { orgId: params.org_id, workspaceId: params.workspace_id ?? queryWorkspace };
}
