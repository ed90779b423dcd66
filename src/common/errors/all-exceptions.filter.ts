import { Catch, HttpException, Inject, Logger, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { allowedMethods } from '../http/allowed-methods.js';
import { unsupportedCharset } from '../http/utf8-body.js';
import type { JsonTooDeepError } from '../http/json-depth.js';
import { locateJsonError } from '../validation/json-error.js';
import { RequestValidationError, type PydanticError } from '../validation/pydantic-errors.js';
import { AppError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError, RateLimitedError, ServiceUnavailableError } from './app-error.js';
import { explainRequestLine } from '../logging.js';
import { describeCause, isDatabaseUnavailable, isTransientConflict, REFUSAL_REPORTER, unavailableCause, type RefusalReporter } from './database-errors.js';
import { errorBody } from './error-body.js';
import { ErrorCode, httpStatusOf } from './error-codes.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.AuthenticationFailed,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  410: ErrorCode.Gone,
  412: ErrorCode.PreconditionFailed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/**
 * The one place any error becomes a response: the standard error shape for everything but validation (422, pydantic's shape).
 * Internals (stack, SQL, driver messages) never reach the client; 500s are logged with the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(@Optional() @Inject(REFUSAL_REPORTER) private readonly refusals?: RefusalReporter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const error = this.toAppError(exception, req, res);
    if (res.headersSent) {
      // Too late for an error body: log it, and cut the response short rather than leave it hanging.
      this.logger.error({ err: exception, req_id: req.id }, 'error after the response started');
      res.end();
      return;
    }
    if (error instanceof RequestValidationError) {
      res.status(422).json({ detail: error.detail });
      return;
    }
    const status = httpStatusOf(error.code);
    this.log(error, exception, req, res);
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(status).json(errorBody(error.code, status, error.message, error.details, error.timestamp));
  }

  /** The client sees only the code; the log keeps the cause, tied to the request id. */
  private log(error: AppError, exception: unknown, req: Request, res: Response): void {
    const context = { req_id: req.id, method: req.method, path: req.path };
    if (error.code === ErrorCode.Internal) this.logger.error({ ...context, err: exception }, 'unhandled error');
    else if (error.code === ErrorCode.ServiceUnavailable && exception !== error) this.logRefusal(exception, context, res);
  }

  /**
   * A 503 the database explains is expected: its request line says why at warn, without a stack.
   * During an outage the reporter keeps one such line per summary interval and counts the rest.
   */
  private logRefusal(exception: unknown, context: Record<string, unknown>, res: Response): void {
    const cause = unavailableCause(exception);
    if (!cause) return void this.logger.warn({ ...context, err: exception }, 'service unavailable');
    const error = describeCause(cause);
    if (!this.refusals) this.logger.warn({ ...context, error }, 'database unavailable');
    const sampled = this.refusals?.refused(cause) ?? true;
    const msg = cause.outage ? 'request refused: database unavailable' : 'request refused: database too slow';
    explainRequestLine(res, sampled ? { msg, fields: { error } } : 'skip');
  }

  private toAppError(exception: unknown, req: Request, res: Response): AppError | RequestValidationError {
    if (exception instanceof AppError || exception instanceof RequestValidationError) return exception;
    // The Express adapter wraps body-parser errors in an HttpException; the original is its cause.
    const bodyError = fromBodyParser(exception) ?? fromBodyParser((exception as { cause?: unknown })?.cause);
    if (bodyError) return bodyError;
    if (exception instanceof HttpException) return fromHttpException(exception, req, res);
    if (isDatabaseUnavailable(exception)) return new ServiceUnavailableError();
    // A deadlock outside a retried transaction: the client may simply try again.
    if (isTransientConflict(exception)) return new ServiceUnavailableError('The database is busy; try again', 1);
    return new AppError(ErrorCode.Internal);
  }
}

/** Express's router answers unmatched requests through Nest's `NotFoundException("Cannot GET /x")`. */
function fromHttpException(exception: HttpException, req: Request, res: Response): AppError {
  const status = exception.getStatus();
  // A throttling guard answers with a plain 429 and leaves the wait in its own `Retry-After` header.
  if (status === 429) return new RateLimitedError(Number(res.getHeader('Retry-After')) || 1);
  if (status === 404 && /^Cannot [A-Z]+ /.test(exception.message)) {
    const allowed = allowedMethods(req);
    return allowed.length > 0 ? new MethodNotAllowedError(req.method, req.path, allowed) : new NotFoundError('route', req.path);
  }
  const code = STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
  const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
  return new AppError(code, undefined, {}, headers);
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  body?: string;
  message: string;
}

function fromBodyParser(exception: unknown): AppError | RequestValidationError | undefined {
  const error = exception as BodyParserError;
  switch (error?.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(error.limit ?? 0);
    case 'entity.parse.failed':
      return new RequestValidationError([jsonInvalid(error)]);
    case 'entity.too.deep':
      return new RequestValidationError([
        { type: 'json_invalid', loc: ['body', (error as unknown as JsonTooDeepError).offset], msg: 'JSON decode error', input: {}, ctx: { error: 'Maximum nesting depth exceeded' } },
      ]);
    case 'charset.unsupported':
      return unsupportedCharset((error as BodyParserError & { charset?: string }).charset ?? '');
    case 'encoding.unsupported':
      return new AppError(ErrorCode.UnsupportedMediaType, error.message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError(ErrorCode.BadRequest);
    default:
      return undefined;
  }
}

/** FastAPI's answer to a malformed body: position and reason as Python's decoder reports them. */
function jsonInvalid(error: BodyParserError): PydanticError {
  const located = typeof error.body === 'string' ? locateJsonError(error.body) : undefined;
  const position = /position (\d+)/.exec(error.message);
  const offset = located?.offset ?? (position ? Number(position[1]) : 0);
  const reason = located?.reason ?? 'Expecting value';
  return { type: 'json_invalid', loc: ['body', offset], msg: 'JSON decode error', input: {}, ctx: { error: reason } };
}
