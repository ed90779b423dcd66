import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { Permission } from '../access/permissions.js';
import { NotFoundError, type AppError, type ResourceType } from './errors/app-error.js';
import { DEFAULT_MESSAGES, ErrorCode, httpStatusOf } from './errors/error-codes.js';

/** The standard error body, as a named schema in the OpenAPI document. */
export class ErrorResponse {
  @ApiProperty({ example: 'RESOURCE_NOT_FOUND' })
  error: string;

  @ApiProperty({ example: 'The requested resource was not found' })
  message: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { resource_type: 'user', resource_id: '…' } })
  details: Record<string, unknown>;

  @ApiProperty({ example: '2025-01-01T00:00:00.000000', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}$' })
  timestamp: string;

  @ApiProperty({ example: 404 })
  status_code: number;
}

/** One validation problem, in the pydantic v2 shape. */
export class ValidationErrorItem {
  @ApiProperty({ example: 'less_than_equal' })
  type: string;

  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] }, example: ['query', 'limit'] })
  loc: (string | number)[];

  @ApiProperty({ example: 'Input should be less than or equal to 200' })
  msg: string;

  /** Any JSON value, `null` included (OpenAPI 3.0 has no `null` type, hence the nullable branch). */
  @ApiProperty({
    anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', nullable: true }, { type: 'array', items: {} }],
    example: '500',
    description: 'The offending value',
  })
  input: unknown;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { le: 200 } })
  ctx?: Record<string, unknown>;
}

export class ValidationErrorResponse {
  @ApiProperty({ type: [ValidationErrorItem] })
  detail: ValidationErrorItem[];
}

const DESCRIPTIONS: Record<number, string> = {
  401: 'Missing, invalid or expired access token (`WWW-Authenticate: Bearer`)',
  403: 'The caller lacks the permission named in `details.required_permission`',
  404: 'The resource, or the scope it lives in, does not exist or is not visible to the caller',
  409: 'Conflicts with the current state (duplicate, last owner, last admin)',
  410: 'The resource existed but can no longer be used (`details.reason`)',
  412: 'The resource has changed: `If-Match` names no current tag (`details.current_etag` and `ETag` give it)',
  428: 'The service requires `If-Match` on this write',
  413: 'The request body is larger than the limit',
  415: 'The request body is not UTF-8 (`details.supported`)',
  422: 'Validation error (pydantic v2 shape)',
  429: 'Rate limited; retry after `Retry-After` seconds',
  500: 'Unexpected error (internals hidden)',
  503: 'The database is unavailable; retry after `Retry-After` seconds',
};

const EXAMPLE_TIMESTAMP = '2025-01-01T00:00:00.000000';
const EXAMPLE_DETAILS: Record<number, [ErrorCode, Record<string, unknown>, string?]> = {
  400: [ErrorCode.BadRequest, {}],
  401: [ErrorCode.AuthenticationFailed, {}],
  403: [ErrorCode.Forbidden, { required_permission: 'resource:action' }],
  404: [ErrorCode.NotFound, { resource_type: 'workspace', resource_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' }],
  405: [ErrorCode.MethodNotAllowed, { method: 'PUT', allowed_methods: ['GET'] }, 'Method PUT is not allowed on /v1/orgs'],
  409: [ErrorCode.Conflict, { resource_type: 'user', field: 'email' }, 'A user with this email already exists'],
  410: [ErrorCode.Gone, { resource_type: 'invitation', resource_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', reason: 'expired' }, 'The invitation has expired'],
  412: [ErrorCode.PreconditionFailed, { resource_type: 'user', resource_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', current_etag: '"4"' }],
  428: [ErrorCode.PreconditionRequired, {}],
  413: [ErrorCode.PayloadTooLarge, { limit_bytes: 1_048_576 }, 'Request body exceeds 1048576 bytes'],
  415: [ErrorCode.UnsupportedMediaType, { supported: ['utf-8'] }, 'Unsupported charset "utf-16": request bodies must be UTF-8'],
  429: [ErrorCode.RateLimited, { retry_after_seconds: 30 }],
  500: [ErrorCode.Internal, {}],
  503: [ErrorCode.ServiceUnavailable, {}, 'Database unavailable'],
};

/**
 * An example body for an error status, so the Swagger UI shows a 401 as a 401 rather than the
 * schema's generic example; a 403 names the operation's permission when it has one.
 */
export function errorExample(status: number, permission?: Permission): Record<string, unknown> {
  if (status === 422) {
    return { detail: [{ type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', input: '500', ctx: { le: 200 } }] };
  }
  const [code, details, message] = EXAMPLE_DETAILS[status] ?? [ErrorCode.Internal, {}];
  const shown = status === 403 && permission ? { required_permission: permission } : details;
  return { error: code, message: message ?? DEFAULT_MESSAGES[code], details: shown, timestamp: EXAMPLE_TIMESTAMP, status_code: status };
}

/** The response object for an error status: its description and a `$ref` to the named schema. */
export function errorResponseObject(status: number): { description: string; content: { 'application/json': { schema: { $ref: string } } } } {
  const schema = { $ref: getSchemaPath(status === 422 ? ValidationErrorResponse : ErrorResponse) };
  return { description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/json': { schema } } };
}

/** The id in example bodies, so that they read like real responses. */
export const EXAMPLE_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

/** A 404 of this resource type, for `@ApiErrors(…)`. */
export const notFoundExample = (resourceType: ResourceType): NotFoundError => new NotFoundError(resourceType, EXAMPLE_ID);

type ExampleObject = { summary: string; value: Record<string, unknown> };

/** The body the global filter answers for this error, with a fixed timestamp. */
function exampleBodyOf(error: AppError): Record<string, unknown> {
  const status = httpStatusOf(error.code);
  return { error: error.code, message: error.message, details: error.details, timestamp: EXAMPLE_TIMESTAMP, status_code: status };
}

/** Named after what tells the error apart from others of its status: a field, reason, type or permission. */
export function namedExample(error: AppError): [string, ExampleObject] {
  const { field, reason, resource_type: type, required_permission: permission } = error.details as Record<string, string | undefined>;
  const name = field ?? reason ?? permission ?? type ?? error.message.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const summary = permission ? `Without \`${permission}\`` : type && !field ? `No visible ${type} with that id` : error.message;
  return [name, { summary, value: exampleBodyOf(error) }];
}

/**
 * Documents the error responses an operation can answer, each with its named schema. A status
 * given as an error (`new ConflictError(…)`, `notFoundExample('user')`) also shows that error's
 * body as an example; several errors of one status become named examples of one response.
 */
export function ApiErrors(...errors: (number | AppError)[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, Record<string, ExampleObject>>();
  for (const error of errors) {
    const status = typeof error === 'number' ? error : httpStatusOf(error.code);
    const examples = byStatus.get(status) ?? {};
    if (typeof error !== 'number') Object.assign(examples, Object.fromEntries([namedExample(error)]));
    byStatus.set(status, examples);
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponse, ValidationErrorResponse),
    ...[...byStatus].map(([status, examples]) => {
      const { description, content } = errorResponseObject(status);
      const shown = Object.keys(examples).length > 0 ? { examples } : {};
      return ApiResponse({ status, description, schema: content['application/json'].schema, ...shown });
    }),
  );
}
