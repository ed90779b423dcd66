import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccessTokenVerifier } from '../auth/access-token-verifier.js';
import { mayWrite } from '../database/replicas/reads-only.js';

/**
 * For a public route that also serves signed-in callers: without an `Authorization` header the
 * request goes on anonymous; with one, the token must be valid (401 otherwise, as everywhere) and
 * its user becomes the caller. Such answers are personal, hence `no-store`.
 */
@Injectable()
export class OptionalBearerGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    http.getResponse<Response>().setHeader('Cache-Control', 'no-store');
    if (req.headers.authorization === undefined) return true;
    req.user = (await this.verifier.authenticate(req.headers.authorization, mayWrite(req))).user;
    return true;
  }
}
