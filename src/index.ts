// The library's public surface (CONTRACT §10).
export { AuthModule } from './auth/auth.module.js';
export type { AuthModuleAsyncOptions } from './auth/auth.module.js';
export type { JwtOptions } from './auth/auth.options.js';
export { JwtAuthGuard } from './auth/jwt-auth.guard.js';
export { Public, IS_PUBLIC_KEY } from './auth/public.decorator.js';
export { CurrentUser } from './auth/current-user.decorator.js';
export { RequirePermission, REQUIRED_PERMISSION_KEY } from './access/permission.decorator.js';
export { PermissionGuard } from './access/permission.guard.js';
export { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
export * from './common/errors/app-error.js';
export { ErrorCode } from './common/errors/error-codes.js';
export { PydanticValidationPipe } from './common/validation/validation.pipe.js';
export { RequestValidationError } from './common/validation/pydantic-errors.js';
export { UsersModule } from './users/users.module.js';
export { WorkspacesModule } from './workspaces/workspaces.module.js';
export { MembersModule } from './members/members.module.js';
