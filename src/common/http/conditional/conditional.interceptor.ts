import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { HTTP_CONDITIONS_OPTIONS, type HttpConditionsOptions } from '../idempotency/idempotency.options.js';
import { answerETag } from './etag.js';

const WRITES = new Set(['PUT', 'PATCH', 'DELETE']);

/**
 * Bound to single-resource routes by `@Conditional()`: hands a write's `If-Match` to the service
 * through the request context (the service compares it under its row lock), and answers the tag
 * the returned resource carries as `ETag`, which turns a GET whose `If-None-Match` names it into 304.
 */
@Injectable()
export class ConditionalInterceptor implements NestInterceptor {
  constructor(@Inject(HTTP_CONDITIONS_OPTIONS) private readonly options: HttpConditionsOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (WRITES.has(req.method)) {
      const ifMatch = req.headers['if-match'];
      req.precondition = { ifMatch: ifMatch === undefined ? undefined : String(ifMatch), required: this.options.requireIfMatch };
    }
    return next.handle().pipe(
      map((body) => {
        answerETag(req, res, body);
        return body;
      }),
    );
  }
}
