import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** The standard error body (CONTRACT §2), as a named schema in the OpenAPI document. */
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

/** One validation problem, in the pydantic v2 shape (CONTRACT §3). */
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
  413: 'The request body is larger than the limit',
  422: 'Validation error (pydantic v2 shape)',
  429: 'Rate limited; retry after `Retry-After` seconds',
  500: 'Unexpected error (internals hidden)',
  503: 'The database is unavailable; retry after `Retry-After` seconds',
};

/** The response object for an error status: its description and a `$ref` to the named schema. */
export function errorResponseObject(status: number): { description: string; content: { 'application/json': { schema: { $ref: string } } } } {
  const schema = { $ref: getSchemaPath(status === 422 ? ValidationErrorResponse : ErrorResponse) };
  return { description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/json': { schema } } };
}

/** Documents the error responses an operation can answer, each with its named schema. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponse, ValidationErrorResponse),
    ...statuses.map((status) => {
      const { description, content } = errorResponseObject(status);
      return ApiResponse({ status, description, schema: content['application/json'].schema });
    }),
  );
}
