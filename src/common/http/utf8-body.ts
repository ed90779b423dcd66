import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';

export const SUPPORTED_CHARSETS = ['utf-8'];

/**
 * JSON is UTF-8 on the wire (RFC 8259), yet the body parsers would decode any `utf-*` charset a
 * client names (UTF-7 among them, where `+ADw-` spells `<`), and forms in ISO-8859-1: text that
 * passed a check in one decoding can mean something else in another. A body the service reads
 * must be UTF-8, said or unsaid; anything else is 415 naming what is supported.
 */
export function utf8BodiesOnly(readsBody: (req: Request) => boolean) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const charset = charsetOf(req.headers['content-type']);
    if (charset === undefined || SUPPORTED_CHARSETS.includes(charset) || !readsBody(req)) return next();
    next(unsupportedCharset(charset));
  };
}

export function unsupportedCharset(charset: string): AppError {
  return new AppError(ErrorCode.UnsupportedMediaType, `Unsupported charset "${charset}": request bodies must be UTF-8`, { supported: SUPPORTED_CHARSETS });
}

function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType) : null;
  return match ? (match[1] ?? match[2]).toLowerCase() : undefined;
}
