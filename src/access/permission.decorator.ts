import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiOAuth2, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiErrors, ErrorResponse } from '../common/openapi.js';
import type { Permission } from './permissions.js';

/** Metadata key under which a handler (or its controller) declares the permission it needs. */
export const REQUIRED_PERMISSION_KEY = 'required_permission';

/**
 * Declares the `resource:action` permission a handler needs; the guard enforces it. The same
 * decorator documents the bearer scheme, the 401 and the 403 naming that permission, so the
 * OpenAPI document cannot drift from what is enforced.
 */
export function RequirePermission(permission: Permission): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSION_KEY, permission),
    ApiBearerAuth('bearer'),
    ApiOAuth2([], 'oauth2'),
    ApiExtension('x-required-permission', permission),
    ApiErrors(401),
    ApiResponse({
      status: 403,
      description: `Forbidden: requires \`${permission}\` (\`details.required_permission\`)`,
      schema: { $ref: getSchemaPath(ErrorResponse) },
    }),
  );
}
