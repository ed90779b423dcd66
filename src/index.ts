// The library's public surface: the one entry point of the package's `exports` map.
// Everything here is documented with an example in the README ("Use as a library").

// Modules
export { AuthModule } from './auth/auth.module.js';
export type { AuthModuleAsyncOptions } from './auth/auth.module.js';
export type { JwtOptions, AuthModuleOptions, Argon2Params, RateLimitOptions, AdminBootstrapOptions } from './auth/auth.options.js';
export { AccessModule } from './access/access.module.js';
export { AuthzModule } from './access/authz.module.js';
export { UsersModule } from './users/users.module.js';
export { UsersService } from './users/users.service.js';
export { WorkspacesModule } from './workspaces/workspaces.module.js';
export { MembersModule } from './members/members.module.js';

// Authentication: the guard takes access tokens and API keys (`Bearer idk_…`) alike
export { JwtAuthGuard } from './auth/jwt-auth.guard.js';
export { JwtAuthGuard as KeyAwareAuthGuard } from './auth/jwt-auth.guard.js';
export { API_KEY_PATTERN, parseApiKey } from './auth/api-keys/api-key-format.js';
export { Public, IS_PUBLIC_KEY } from './auth/public.decorator.js';
export { CurrentUser } from './auth/current-user.decorator.js';
export { TokenService } from './auth/token.service.js';
export { PasswordHasher } from './auth/password-hasher.js';
export { RedisThrottlerStorage } from './auth/rate-limit/redis-throttler.storage.js';
export { User, isPlatformAdmin } from './database/entities/user.entity.js';

// Permissions
export { RequirePermission, REQUIRED_PERMISSION_KEY } from './access/permission.decorator.js';
export { ALL_PERMISSIONS, type Permission } from './access/permissions.js';
export { PermissionGuard } from './access/permission.guard.js';
export { AccessService } from './access/access.service.js';
export { AllowSelf, AnyPrincipal } from './access/allow-self.decorator.js';
export { AuthzClient, type AuthzSubject, type AuthzResource, type AuthzQuestion } from './access/authz-client.js';
export { grantOf, isOrgKey, type KeyGrant } from './access/principal.js';
export { CurrentScope } from './access/current-scope.decorator.js';
export type { ResolvedScope } from './access/scope.js';
export { WORKSPACE_ROLES, ORG_ROLES, type WorkspaceRole, type OrgRole } from './access/roles.js';

// Errors
export { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
export * from './common/errors/app-error.js';
export { ErrorCode } from './common/errors/error-codes.js';
export type { ErrorBody } from './common/errors/error-body.js';

// Validation
export { PydanticValidationPipe } from './common/validation/validation.pipe.js';
export { RequestValidationError, type PydanticError } from './common/validation/pydantic-errors.js';
export { Nullable, QueryInt, IsTimeZone, IsLocale, MaxJsonBytes } from './common/validation/decorators.js';
export { PathParams, QueryParams } from './common/validation/route-params.js';
export { OptionalBody } from './common/validation/dto-rules.js';

// Pagination: the cursor codec the mounted users, workspaces and members lists need
export { PaginationModule, type PaginationOptions } from './common/pagination/pagination.module.js';

// OpenAPI: the named error schemas and the decorator that documents them
export { ApiErrors, ErrorResponse, ValidationErrorResponse } from './common/openapi.js';

// Conditional requests and idempotency: `@Conditional()` on a single-resource route (the handler
// returns `withETag(body, versionETag(row.version))`, the service calls `checkPrecondition` under
// its row lock), `@Idempotent()` on a POST whose work runs through `transaction(dataSource, work, ctx)`.
export { HttpConditionsModule } from './common/http/http-conditions.module.js';
export { HTTP_CONDITIONS_OPTIONS, type HttpConditionsOptions } from './common/http/idempotency/idempotency.options.js';
export { Conditional, Idempotent } from './common/http/conditional/decorators.js';
export { ConditionalGuard } from './common/http/conditional/conditional.guard.js';
export { IdempotencyInterceptor } from './common/http/idempotency/idempotency.interceptor.js';
export { ETAG, withETag, versionETag, etagOf, checkPrecondition, isConditional, ifMatchSatisfied } from './common/http/conditional/etag.js';
export { documentConditions } from './common/http/conditional/openapi.js';
export { transaction } from './database/transaction.js';
export type { Precondition } from './common/request-context.js';

// Database: the schema the guards read, for a service that runs it on its own database
export { MIGRATIONS as IDENTITY_MIGRATIONS } from './database/migrations/index.js';

// Events and the background queue: a consumer records its changes into the same outbox (same
// transaction) and runs its background work on the same queue.
export { Ctx, SYSTEM_CONTEXT, requestContextOf, type RequestContext, type Actor } from './common/request-context.js';
export { EventsModule } from './events/events.module.js';
export { EventsService } from './events/events.service.js';
export { EVENT_TYPES, type EventType, type NewEvent, type FieldChanges } from './events/event-types.js';
export { JobsModule } from './jobs/jobs.module.js';
export { JobsService, PermanentJobFailure, type Job, type JobsOptions, type QueueOptions } from './jobs/jobs.service.js';
export { MailModule } from './mail/mail.module.js';
export { MailService, type MailMessage, type MailOptions } from './mail/mail.service.js';

// Account lifecycle: email verification, password reset, optional sign-up (needs AuthModule with its
// controllers, UsersModule, MailModule, JobsModule and EventsModule).
export { AccountsModule } from './accounts/accounts.module.js';
export type { AccountsOptions } from './accounts/accounts.options.js';
export { EMAIL_CHANGE_LISTENER, type EmailChangeListener } from './users/email-change.js';
export { KeyedRateLimiter } from './auth/rate-limit/keyed-rate-limiter.js';
