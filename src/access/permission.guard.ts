import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { validateRouteParams } from '../common/validation/validate-route-params.js';
import { REQUIRED_PERMISSION_KEY } from './permission.decorator.js';

/**
 * Runs after authentication: validates path and query parameters (422), then resolves the scope
 * and the caller's role there (404 when the scope is invisible) and checks the permission (403).
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await validateRouteParams(context);
    const permission = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_PERMISSION_KEY, [context.getHandler(), context.getClass()]);
    if (!permission) return true;
    throw new Error(`permission checks are not implemented yet (${permission})`);
  }
}
