import { applyDecorators, Inject, Injectable, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { defer, finalize, from, mergeMap, type Observable } from 'rxjs';
import { ApiErrors } from '../openapi.js';
import { KeyedSlots } from './slots.js';

/** Injection token of the `KeyedSlots` that expensive reads share. */
export const EXPENSIVE_READ_SLOTS = Symbol('EXPENSIVE_READ_SLOTS');

/** Runs after the guards, so the caller is known; reads of one caller share its slots. */
@Injectable()
export class ExpensiveReadInterceptor implements NestInterceptor {
  constructor(@Inject(EXPENSIVE_READ_SLOTS) private readonly slots: KeyedSlots) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    // A key has slots of its own: an organization key's stand-in user is its creator, and a script
    // running on a personal key should not use up its owner's interactive share.
    const caller = req.apiKeyId ?? (req.user as { user_id?: string } | undefined)?.user_id;
    if (!caller) return next.handle();
    return defer(() => from(this.slots.acquire(caller))).pipe(mergeMap((release) => next.handle().pipe(finalize(release))));
  }
}

/**
 * Marks a read whose cost grows with the data (a search, a member list): each caller may run only
 * a few of them at once, the rest wait briefly or answer 429 with `Retry-After`. The interceptor is
 * bound to these routes alone: a global one would put every other request through rxjs.
 */
export function ExpensiveRead(): MethodDecorator {
  return applyDecorators(UseInterceptors(ExpensiveReadInterceptor), ApiErrors(429));
}
