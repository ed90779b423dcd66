import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { rememberSession } from './current-user.decorator.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';
import { markReadsOnly, mayWrite, READS_ONLY_KEY } from '../database/replicas/reads-only.js';

/**
 * Requires a valid access token or API key unless the route is `@Public()`. Failure is always a thrown 401 in
 * the standard shape, never `false` (which Nest would turn into a 403).
 *
 * The check is this module's own `AccessTokenVerifier`, the one the `jwt` passport strategy uses
 * too. passport is not on this path: its per-request strategy objects and callbacks cost more than
 * the check itself.
 *
 * A route that needs a token answers `Cache-Control: no-store`, its 401 included: what one caller
 * was shown must not be kept by a proxy's cache or a browser's history. Set here, where the route's
 * being public is decided anyway, so services that use this guard on their own routes get it too.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets);
    if (isPublic) return true;
    const http = context.switchToHttp();
    http.getResponse<Response>().setHeader('Cache-Control', 'no-store');
    const req = http.getRequest<Request>();
    if (mayWrite(req) && this.reflector.getAllAndOverride<boolean>(READS_ONLY_KEY, targets)) markReadsOnly(req);
    const { user, sessionId, grant } = await this.verifier.authenticate(req.headers.authorization, mayWrite(req));
    req.user = user;
    rememberSession(req, sessionId);
    if (grant) {
      req.apiKeyId = grant.keyId;
      // An organization key acts on its own account; a personal key acts as its owner.
      if (grant.orgId) req.actor = { type: 'api_key', id: grant.keyId };
    }
    return true;
  }
}
