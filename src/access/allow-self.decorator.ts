import { SetMetadata } from '@nestjs/common';

/** Metadata key naming the path parameter that, when it is the caller's own id, waives the permission. */
export const ALLOW_SELF_KEY = 'allow_self_param';

/**
 * The declared permission is not needed when the path parameter `param` is the caller's own user
 * id (e.g. a member leaving a workspace). Visibility of the scope is still required.
 */
export const AllowSelf = (param: string): MethodDecorator => SetMetadata(ALLOW_SELF_KEY, param);

/** Metadata key marking an operation without a declared permission that an organization key may use too. */
export const ANY_PRINCIPAL_KEY = 'any_principal';

/**
 * An operation that declares no permission is about the person calling, and an organization key
 * is refused it; this one decides for any caller itself (e.g. the evaluation API).
 */
export const AnyPrincipal = (): MethodDecorator => SetMetadata(ANY_PRINCIPAL_KEY, true);
