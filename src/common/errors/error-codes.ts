/** The `error` values of the standard error body. */
export enum ErrorCode {
  BadRequest = 'BAD_REQUEST',
  AuthenticationFailed = 'AUTHENTICATION_FAILED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'RESOURCE_NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  Conflict = 'RESOURCE_CONFLICT',
  Gone = 'RESOURCE_GONE',
  PreconditionFailed = 'PRECONDITION_FAILED',
  PreconditionRequired = 'PRECONDITION_REQUIRED',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  RequestTimeout = 'REQUEST_TIMEOUT',
  HeaderFieldsTooLarge = 'REQUEST_HEADER_FIELDS_TOO_LARGE',
  RateLimited = 'RATE_LIMITED',
  Internal = 'INTERNAL_SERVER_ERROR',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
}

/** The one place an error code becomes an HTTP status. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.BadRequest:
      return 400;
    case ErrorCode.AuthenticationFailed:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.Gone:
      return 410;
    case ErrorCode.PreconditionFailed:
      return 412;
    case ErrorCode.PreconditionRequired:
      return 428;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.RequestTimeout:
      return 408;
    case ErrorCode.HeaderFieldsTooLarge:
      return 431;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.Internal:
      return 500;
    case ErrorCode.ServiceUnavailable:
      return 503;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

export const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  [ErrorCode.BadRequest]: 'The request could not be understood',
  [ErrorCode.AuthenticationFailed]: 'Authentication required',
  [ErrorCode.Forbidden]: "You don't have permission to perform this action",
  [ErrorCode.NotFound]: 'The requested resource was not found',
  [ErrorCode.MethodNotAllowed]: 'Method not allowed',
  [ErrorCode.Conflict]: 'The resource conflicts with an existing one',
  [ErrorCode.Gone]: 'The resource is no longer available',
  [ErrorCode.PreconditionFailed]: 'The resource has changed',
  [ErrorCode.PreconditionRequired]: 'This request must be conditional (send If-Match)',
  [ErrorCode.PayloadTooLarge]: 'Request body is too large',
  [ErrorCode.UnsupportedMediaType]: 'Unsupported request body encoding',
  [ErrorCode.RequestTimeout]: 'The request was not received in time',
  [ErrorCode.HeaderFieldsTooLarge]: 'Request headers are too large',
  [ErrorCode.RateLimited]: 'Too many requests',
  [ErrorCode.Internal]: 'An unexpected error occurred',
  [ErrorCode.ServiceUnavailable]: 'Service unavailable',
};
