import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { User } from '../database/entities/user.entity.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { mayWrite } from '../database/replicas/reads-only.js';
import { rememberSession } from './current-user.decorator.js';

type Done = (error: unknown, user?: unknown) => void;

/**
 * A passport strategy that hands the whole request to its verify callback. passport calls
 * `authenticate` on a copy of the strategy that it has given `success` and `error`; `fail` is never
 * used, so a refusal reaches `AuthGuard` as the thrown 401 itself rather than as its generic one.
 */
class RequestStrategy {
  constructor(private readonly verify: (req: Request, done: Done) => void) {}

  authenticate(this: RequestStrategy & { success(user: unknown): void; error(error: unknown): void }, req: Request): void {
    this.verify(req, (error, user) => (error ? this.error(error) : this.success(user)));
  }
}

/**
 * The `jwt` strategy, for applications that protect routes with `AuthGuard('jwt')` from
 * `@nestjs/passport`: the same check as `JwtAuthGuard` (its `AccessTokenVerifier`), so a token gets
 * the same answer through either, with `@CurrentUser()` and the session set alike.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(RequestStrategy, 'jwt') {
  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
  }

  async validate(req: Request): Promise<User> {
    const { user, sessionId } = await this.verifier.authenticate(req.headers.authorization, mayWrite(req));
    rememberSession(req, sessionId);
    return user;
  }
}
