import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { lastValueFrom, map, of, type Observable } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import { transaction } from '../../../database/transaction.js';
import { AppError } from '../../errors/app-error.js';
import { errorBody } from '../../errors/error-body.js';
import { ErrorCode, httpStatusOf } from '../../errors/error-codes.js';
import { requestContextOf } from '../../request-context.js';
import { applyETag, etagOf } from '../conditional/etag.js';
import { idempotencyInProgress, keyReused, parseIdempotencyKey, requestHash, sha256 } from './idempotency-key.js';
import { IdempotencyRepository, type IdempotencyRecord } from './idempotency.repository.js';
import { HTTP_CONDITIONS_OPTIONS, type HttpConditionsOptions } from './idempotency.options.js';

/** The state errors a key keeps (a referenced row missing, a conflict); others may be retried. */
const STORED_ERRORS = new Set([404, 409]);
const REPLAYED_HEADERS = ['Location', 'ETag'];

type Outcome = { replay: IdempotencyRecord } | { record: IdempotencyRecord; body?: unknown; error?: AppError };

/**
 * `Idempotency-Key` on a POST. The key is claimed with a transaction-scoped advisory lock, and
 * the request's work runs in that same transaction (its service's `transaction()` joins it through
 * the request context), so the outcome is stored if and only if the effect commits. A deadlock or
 * serialization failure replays the whole: claim, lookup, work and store.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: IdempotencyRepository,
    private readonly reflector: Reflector,
    @Inject(HTTP_CONDITIONS_OPTIONS) private readonly options: HttpConditionsOptions,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const raw = req.headers['idempotency-key'];
    const actor = requestContextOf(req).actor;
    // Keys belong to a principal: a caller who is nobody yet (accepting an invitation as a new
    // account) shares no key space with other anonymous callers, so the header is not used.
    if (raw === undefined || req.method !== 'POST' || actor.type === 'system') return next.handle().pipe(map((body) => withETagHeader(req.res as Response, body)));
    const key = parseIdempotencyKey(raw);
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    const claim = { principal: `${actor.type}:${actor.id ?? ''}`, keyHash: sha256(key), method: req.method, path: req.originalUrl, requestHash: requestHash(req) };
    const outcome = await transaction(this.dataSource, async (m) => {
      if (!(await this.keys.tryClaim(m, claim.principal, claim.keyHash))) throw idempotencyInProgress();
      const stored = await this.keys.find(m, claim.principal, claim.keyHash);
      if (stored) return { replay: stored };
      return this.runAndStore(m, req, next, { ...claim, status, headers: {}, body: null });
    });
    return this.answer(context.switchToHttp().getResponse<Response>(), key, claim.requestHash, outcome);
  }

  /** Runs the handler inside a savepoint: a state error undoes its partial work, and is stored. */
  private async runAndStore(m: EntityManager, req: Request, next: CallHandler, record: IdempotencyRecord): Promise<Outcome> {
    await m.query('SAVEPOINT idempotent_request');
    req.ambientManager = m;
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const res = req.res as Response;
      const headers = headersOf(res, etagOf(body));
      // A handler that chose its own status (200 or 201 by outcome) set it on the response already.
      const status = res.statusCode !== 200 ? res.statusCode : record.status;
      const stored = { ...record, status, headers, body: body === undefined ? null : JSON.stringify(body) };
      await this.keys.save(m, stored, this.options.idempotencyTtlSeconds);
      return { record: stored, body };
    } catch (error) {
      if (!(error instanceof AppError) || !STORED_ERRORS.has(httpStatusOf(error.code))) throw error;
      await m.query('ROLLBACK TO SAVEPOINT idempotent_request');
      const status = httpStatusOf(error.code);
      const body = errorBody(error.code, status, error.message, error.details);
      const stored = { ...record, status, headers: {}, body: JSON.stringify(body) };
      await this.keys.save(m, stored, this.options.idempotencyTtlSeconds);
      error.timestamp = body.timestamp;
      return { record: stored, error };
    } finally {
      req.ambientManager = undefined;
    }
  }

  private answer(res: Response, key: string, hash: Buffer, outcome: Outcome): Observable<unknown> {
    if ('replay' in outcome) return replay(res, key, hash, outcome.replay);
    if (outcome.error) throw outcome.error;
    applyETag(res, outcome.body);
    return of(outcome.body);
  }
}

/** A created resource answers its tag, as any single resource does. */
function withETagHeader(res: Response, body: unknown): unknown {
  applyETag(res, body);
  return body;
}

function headersOf(res: Response, etag: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  if (etag !== undefined) headers.ETag = etag;
  return headers;
}

/** The stored outcome again, marked `Idempotent-Replayed`; a different request under the key is a 422. */
function replay(res: Response, key: string, hash: Buffer, stored: IdempotencyRecord): Observable<unknown> {
  if (stored.method !== res.req.method || stored.path !== res.req.originalUrl || !hash.equals(stored.requestHash)) throw keyReused(key);
  const headers = { ...stored.headers, 'Idempotent-Replayed': 'true' };
  const body = stored.body === null ? undefined : JSON.parse(stored.body);
  if (stored.status >= 400) {
    const error = new AppError(body.error as ErrorCode, body.message, body.details, headers);
    error.timestamp = body.timestamp;
    throw error;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  return of(body);
}
