import { applyDecorators, SetMetadata } from '@nestjs/common';

/** Metadata key under which a handler declares the permission it needs (CONTRACT §8). */
export const REQUIRED_PERMISSION_KEY = 'required_permission';

/** Declares the `resource:action` permission a handler needs; the guard enforces it. */
export function RequirePermission(permission: string): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRED_PERMISSION_KEY, permission));
}
