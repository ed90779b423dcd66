import type { Permission } from '../../access/permissions.js';
import { DEFAULT_MESSAGES, ErrorCode } from './error-codes.js';

export type ErrorDetails = Record<string, unknown>;
export type ResourceType = 'user' | 'workspace' | 'organization' | 'member' | 'webhook' | 'invitation' | 'token' | 'api_key' | 'route';

/**
 * Base of every error the service answers on purpose. Features throw these (or their own
 * subclasses); only the global filter turns them into HTTP responses.
 */
export class AppError extends Error {
  /** Set when the body was already answered once with this timestamp (a stored outcome replayed). */
  timestamp?: string;

  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    readonly details: ErrorDetails = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'Authentication required') {
    super(ErrorCode.AuthenticationFailed, message, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends AppError {
  constructor(readonly requiredPermission: Permission) {
    super(ErrorCode.Forbidden, undefined, { required_permission: requiredPermission });
  }
}

export class NotFoundError extends AppError {
  constructor(resourceType: ResourceType, resourceId: string) {
    super(ErrorCode.NotFound, undefined, { resource_type: resourceType, resource_id: resourceId });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: ErrorDetails) {
    super(ErrorCode.Conflict, message, details);
  }
}

/** 410: the resource existed but can no longer be used (an expired link). */
export class GoneError extends AppError {
  constructor(message: string, resourceType: ResourceType, resourceId: string, reason = 'expired') {
    super(ErrorCode.Gone, message, { resource_type: resourceType, resource_id: resourceId, reason });
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(ErrorCode.RateLimited, undefined, { retry_after_seconds: seconds }, { 'Retry-After': String(seconds) });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'Database unavailable', retryAfterSeconds = 5) {
    super(ErrorCode.ServiceUnavailable, message, {}, { 'Retry-After': String(retryAfterSeconds) });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(ErrorCode.PayloadTooLarge, `Request body exceeds ${limitBytes} bytes`, { limit_bytes: limitBytes });
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, path: string, allowed: string[]) {
    super(ErrorCode.MethodNotAllowed, `Method ${method} is not allowed on ${path}`, { method, allowed_methods: allowed }, { Allow: allowed.join(', ') });
  }
}

/** `If-Match` named no current tag of the resource: nothing was changed. */
export class PreconditionFailedError extends AppError {
  constructor(resourceType: ResourceType | string, resourceId: string, currentEtag: string | null) {
    const headers: Record<string, string> = currentEtag === null ? {} : { ETag: currentEtag };
    super(ErrorCode.PreconditionFailed, undefined, { resource_type: resourceType, resource_id: resourceId, current_etag: currentEtag }, headers);
  }
}

/** The service requires `If-Match` on this write (`REQUIRE_IF_MATCH`), and none was sent. */
export class PreconditionRequiredError extends AppError {
  constructor() {
    super(ErrorCode.PreconditionRequired);
  }
}
