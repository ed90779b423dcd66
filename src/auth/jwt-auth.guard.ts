import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import jwt from 'jsonwebtoken';
import { AuthenticationError } from '../common/errors/app-error.js';
import { JWT_OPTIONS, type JwtOptions } from './auth.options.js';
import { rememberSession } from './current-user.decorator.js';
import { JWT_KEYS, type JwtKeys } from './jwt-keys.js';
import { JwtStrategy, type AccessClaims } from './jwt.strategy.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';

/** Tokens whose signature and claims were checked, kept until they expire (or are pushed out). */
const VERIFIED_TOKENS = 10_000;

/**
 * Requires a valid access token unless the route is `@Public()`. Failure is always a thrown 401 in
 * the standard shape, never `false` (which Nest would turn into a 403).
 *
 * The token is verified here with jsonwebtoken (algorithm, issuer and audience pinned, a KeyObject
 * key) and the caller loaded by this module's own `JwtStrategy`, so two applications in one process
 * never verify with each other's keys or database. passport is not on the path: its per-request
 * strategy objects and callbacks cost more than the check itself. A client sends the same token
 * for its whole lifetime, so a verified token is remembered (by its exact text, signature
 * included) until its `exp`; the user row is still read on every request.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly verified = new Map<string, AccessClaims & { exp: number }>();
  private readonly verifyOptions: jwt.VerifyOptions & { complete: false };

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    @Inject(JWT_KEYS) private readonly keys: JwtKeys,
    @Inject(JWT_OPTIONS) options: JwtOptions,
  ) {
    this.verifyOptions = { algorithms: [keys.algorithm], issuer: options.issuer, audience: options.audience, complete: false };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const claims = this.claimsOf(bearerToken(req));
    req.user = await this.strategy.validate(claims);
    rememberSession(req, claims.sid as string | undefined);
    return true;
  }

  private claimsOf(token: string): AccessClaims {
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) return known;
    let claims: AccessClaims & { exp?: unknown };
    try {
      claims = jwt.verify(token, this.keys.verifyKey, this.verifyOptions) as AccessClaims & { exp?: unknown };
    } catch (error) {
      this.verified.delete(token);
      throw new AuthenticationError(messageFor(error));
    }
    if (typeof claims.exp === 'number') {
      if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims as AccessClaims & { exp: number });
    }
    return claims;
  }
}

/**
 * RFC 6750's `Bearer <token>` and nothing else (scheme in any case): a header with more after the
 * token is refused rather than read up to its first space.
 */
const BEARER = /^Bearer +(\S+)$/i;

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!match) throw new AuthenticationError('Authentication required');
  return match[1];
}

/**
 * The 401 messages are the documented ones: `Token expired` for an expired token, `Authentication
 * required` for a missing, malformed, forged or foreign one (no hint of which check failed).
 */
function messageFor(error: unknown): string {
  return (error as { name?: string } | undefined)?.name === 'TokenExpiredError' ? 'Token expired' : 'Authentication required';
}
