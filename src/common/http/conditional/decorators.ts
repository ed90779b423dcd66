import { applyDecorators, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';
import { ConditionalGuard } from './conditional.guard.js';

/** The operation extensions the OpenAPI document is completed from. */
export const CONDITIONAL_EXTENSION = 'x-conditional';
export const IDEMPOTENT_EXTENSION = 'x-idempotent';

/**
 * A route that reads or writes one resource: its response carries the resource's `ETag` (the
 * handler returns a body marked with `withETag`), a GET answers 304 to a matching
 * `If-None-Match`, and a PUT, PATCH or DELETE hands `If-Match` to the service through
 * `ctx.precondition`, for `checkPrecondition` under the row lock its write takes.
 */
export function Conditional(): MethodDecorator {
  return applyDecorators(UseGuards(ConditionalGuard), ApiExtension(CONDITIONAL_EXTENSION, true));
}

/**
 * A POST that accepts `Idempotency-Key`: its work must run through `transaction(dataSource, work,
 * ctx)` (or on `ctx.manager`) so that it commits with the stored outcome.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(UseInterceptors(IdempotencyInterceptor), ApiExtension(IDEMPOTENT_EXTENSION, true));
}
