import type { Request, Response } from 'express';
import { PreconditionFailedError, PreconditionRequiredError } from '../../errors/app-error.js';
import type { RequestContext } from '../../request-context.js';

/** Where a response body carries its ETag: a symbol, so JSON never shows it. */
export const ETAG = Symbol('etag');

/** A strong tag from row versions: `"7"`, or `"3.7"` for a resource made of two rows. */
export function versionETag(...versions: number[]): string {
  return `"${versions.join('.')}"`;
}

/** Marks `body` as one resource with this tag; a `@Conditional()` route answers it as `ETag`. */
export function withETag<T extends object>(body: T, etag: string): T {
  Object.defineProperty(body, ETAG, { value: etag, enumerable: false });
  return body;
}

export function etagOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? (body as { [ETAG]?: string })[ETAG] : undefined;
}

/** Sets the body's tag as `ETag`. */
export function applyETag(res: Response, body: unknown): void {
  const etag = etagOf(body);
  if (etag !== undefined) res.setHeader('ETag', etag);
}

/**
 * Sets the tag, and marks a GET whose `If-None-Match` names it (or is `*`) as fresh: Express then
 * answers 304 with no body. Decided here rather than by Express alone, which ignores the header
 * when the request also says `Cache-Control: no-cache` (as fetch() adds to any request carrying
 * it): that directive is for caches, and an origin server still evaluates the precondition.
 */
export function answerETag(req: Request, res: Response, body: unknown): void {
  const etag = etagOf(body);
  if (etag === undefined) return;
  res.setHeader('ETag', etag);
  const header = req.headers['if-none-match'];
  if ((req.method === 'GET' || req.method === 'HEAD') && header !== undefined && ifNoneMatchSatisfied(header, etag)) {
    Object.defineProperty(req, 'fresh', { value: true, configurable: true });
  }
}

/** RFC 9110 `If-None-Match`: weak comparison, so `W/"3"` names the same representation as `"3"`. */
export function ifNoneMatchSatisfied(header: string, current: string): boolean {
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === opaque(current));
}

/**
 * RFC 9110 `If-Match`: `*` matches any current representation; otherwise one of the listed tags
 * must equal the current one by strong comparison, so a weak tag (`W/"…"`) never matches.
 */
export function ifMatchSatisfied(header: string, current: string | null): boolean {
  if (current === null) return false;
  if (header.trim() === '*') return true;
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => tag === current);
}

/** Whether this write carries a precondition to check (a tag sent, or one required). */
export function isConditional(ctx: RequestContext | undefined): boolean {
  return !!ctx?.precondition && (ctx.precondition.ifMatch !== undefined || ctx.precondition.required);
}

/**
 * The check a service makes with the resource's current tag, read under the lock its write holds
 * (or `null` when there is no such resource: no tag matches it, not even `*`): 428 when a tag is
 * required and none was sent, 412 when the one sent is not current. Nothing to do on a route
 * that is not conditional.
 */
export function checkPrecondition(ctx: RequestContext | undefined, resourceType: string, resourceId: string, current: string | null): void {
  const precondition = ctx?.precondition;
  if (!precondition) return;
  if (precondition.ifMatch === undefined) {
    if (precondition.required) throw new PreconditionRequiredError();
    return;
  }
  if (!ifMatchSatisfied(precondition.ifMatch, current)) throw new PreconditionFailedError(resourceType, resourceId, current);
}
