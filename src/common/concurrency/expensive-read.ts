import { applyDecorators, Inject, Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { defer, finalize, from, mergeMap, type Observable } from 'rxjs';
import { ApiErrors } from '../openapi.js';
import { KeyedSlots } from './slots.js';

const EXPENSIVE_READ_KEY = 'expensive_read';

/** Injection token of the `KeyedSlots` that expensive reads share. */
export const EXPENSIVE_READ_SLOTS = Symbol('EXPENSIVE_READ_SLOTS');

/**
 * Marks a read whose cost grows with the data (a search, a member list): each caller may run only
 * a few of them at once, the rest wait briefly or answer 429 with `Retry-After`.
 */
export function ExpensiveRead(): MethodDecorator {
  return applyDecorators(SetMetadata(EXPENSIVE_READ_KEY, true), ApiErrors(429));
}

/** Runs after the guards, so the caller is known; reads of one caller share its slots. */
@Injectable()
export class ExpensiveReadInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(EXPENSIVE_READ_SLOTS) private readonly slots: KeyedSlots,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const userId = (context.switchToHttp().getRequest<Request>().user as { user_id?: string } | undefined)?.user_id;
    if (!userId || !this.reflector.get<boolean>(EXPENSIVE_READ_KEY, context.getHandler())) return next.handle();
    return defer(() => from(this.slots.acquire(userId))).pipe(mergeMap((release) => next.handle().pipe(finalize(release))));
  }
}
