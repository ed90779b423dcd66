import { createHash } from 'node:crypto';
import type { Request } from 'express';
import stringify from 'safe-stable-stringify';
import { AppError } from '../../errors/app-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { RequestValidationError } from '../../validation/pydantic-errors.js';

const LOC = ['header', 'idempotency-key'];
const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;
/** An RFC 8941 sf-string: quoted, with `\"` and `\\` the only escapes. */
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;

/**
 * The key of an `Idempotency-Key` header: bare, or a quoted structured-field string; either way
 * 1 to 255 visible ASCII characters. Anything else is a 422 at `["header", "idempotency-key"]`.
 */
export function parseIdempotencyKey(raw: string | string[]): string {
  const sent = Array.isArray(raw) ? raw.join(', ') : raw;
  const quoted = SF_STRING.exec(sent);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : sent;
  // A value that opens a quote is a quoted string or nothing: `"abc` is not the bare key `"abc`.
  if (VISIBLE_ASCII.test(key) && (quoted || !sent.startsWith('"'))) return key;
  throw new RequestValidationError([
    { type: 'value_error', loc: LOC, msg: 'Value error, an Idempotency-Key is 1 to 255 visible ASCII characters, bare or as a quoted string', input: sent },
  ]);
}

export function keyReused(key: string): RequestValidationError {
  return new RequestValidationError([
    { type: 'idempotency_key_reused', loc: LOC, msg: 'Value error, this Idempotency-Key was used for a different request', input: key },
  ]);
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * What makes two requests the same: method, path with query, and the body as canonical JSON
 * (keys sorted, so a client that reorders fields still sends the same request).
 */
export function requestHash(req: Request): Buffer {
  return sha256(`${req.method}\n${req.originalUrl}\n${stringify(req.body ?? null) ?? ''}`);
}


/** Another request holding the key is still running: the client waits a second and retries. */
export function idempotencyInProgress(): AppError {
  return new AppError(ErrorCode.Conflict, 'A request with this Idempotency-Key is still in progress', { reason: 'idempotency_key_in_progress' }, { 'Retry-After': '1' });
}
