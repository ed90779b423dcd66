import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { IS_PUBLIC_KEY } from './public.decorator.js';

/**
 * `Cache-Control: no-store` on every response of a route that needs a token, its errors included:
 * set before authentication runs, so a 401 carries it too. What one caller was shown must not be
 * kept by a proxy's cache or a browser's history. Registered ahead of the other guards.
 */
@Injectable()
export class NoStoreGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (!isPublic) context.switchToHttp().getResponse<Response>().setHeader('Cache-Control', 'no-store');
    return true;
  }
}
